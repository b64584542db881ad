/// tanh as a clamped 13/6 rational polynomial (the coefficients of Eigen's `ptanh_float`),
/// accurate to a few ulp on Float32.
///
/// libm's `tanhf` is an opaque call the compiler cannot vectorise, and GELU runs it on every
/// element of the (B·T, 4C) MLP activations three times per training step (policy forward,
/// reference forward, backward): profiled, that was 40% of a DPO step. This is pure arithmetic with
/// selects, so the GELU loops vectorise.
@inline(__always)
public func fastTanh(_ input: Float) -> Float {
    // beyond ±9, tanh is ±1 to Float precision and the polynomial would diverge
    let x = input < -9 ? -9 : (input > 9 ? 9 : input)
    let x2 = x * x
    var p: Float = -2.760_768_477_423_55e-16
    p = x2 * p + 2.000_187_904_824_77e-13
    p = x2 * p - 8.604_671_522_137_35e-11
    p = x2 * p + 5.122_297_090_371_14e-08
    p = x2 * p + 1.485_722_357_179_79e-05
    p = x2 * p + 6.372_619_288_754_36e-04
    p = x2 * p + 4.893_524_558_917_86e-03
    p = x * p
    var q: Float = 1.198_258_394_667_02e-06
    q = x2 * q + 1.185_347_056_866_54e-04
    q = x2 * q + 2.268_434_632_439_00e-03
    q = x2 * q + 4.893_525_185_543_85e-03
    return p / q
}

/// ``fastTanh(_:)`` on eight lanes at once. Working on a SIMD8 value gives the compiler two
/// independent 4-wide chains per iteration on SSE-only targets, hiding the divide's latency.
@inline(__always)
func fastTanh(_ input: SIMD8<Float>) -> SIMD8<Float> {
    let lo = SIMD8<Float>(repeating: -9), hi = SIMD8<Float>(repeating: 9)
    var x = input
    x.replace(with: lo, where: x .< lo)
    x.replace(with: hi, where: x .> hi)
    let x2 = x * x
    var p = SIMD8<Float>(repeating: -2.760_768_477_423_55e-16)
    p = x2 * p + 2.000_187_904_824_77e-13
    p = x2 * p - 8.604_671_522_137_35e-11
    p = x2 * p + 5.122_297_090_371_14e-08
    p = x2 * p + 1.485_722_357_179_79e-05
    p = x2 * p + 6.372_619_288_754_36e-04
    p = x2 * p + 4.893_524_558_917_86e-03
    p = x * p
    var q = SIMD8<Float>(repeating: 1.198_258_394_667_02e-06)
    q = x2 * q + 1.185_347_056_866_54e-04
    q = x2 * q + 2.268_434_632_439_00e-03
    q = x2 * q + 4.893_525_185_543_85e-03
    return p / q
}
