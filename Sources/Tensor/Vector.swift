// Explicit-lane helpers for the row reductions inside kernels.
//
// Swift (rightly) never reassociates Float additions, so a plain `sum += x[i]` loop runs one add
// at a time. These helpers keep 8 partial sums/maxima in a SIMD8 register and combine them in a
// fixed order at the end: vectorised, and still bit-reproducible.

typealias Lanes = SIMD8<Float>

@inline(__always)
func loadLanes(_ p: UnsafePointer<Float>) -> Lanes { UnsafeRawPointer(p).loadUnaligned(as: Lanes.self) }

@inline(__always)
func storeLanes(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self) }

/// max of p[0..<n] (n ≥ 1).
@inline(__always)
func vectorMax(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    // four independent running maxima break the compare chain; max is exact, so order is moot
    var m0 = -Float.infinity, m1 = m0, m2 = m0, m3 = m0
    var i = 0
    while i + 4 <= n {
        m0 = p[i] > m0 ? p[i] : m0
        m1 = p[i + 1] > m1 ? p[i + 1] : m1
        m2 = p[i + 2] > m2 ? p[i + 2] : m2
        m3 = p[i + 3] > m3 ? p[i + 3] : m3
        i += 4
    }
    while i < n {
        m0 = p[i] > m0 ? p[i] : m0
        i += 1
    }
    return max(max(m0, m1), max(m2, m3))
}

/// Σ p[0..<n].
@inline(__always)
func vectorSum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = Lanes()
    var i = 0
    while i + 8 <= n {
        acc += loadLanes(p + i)
        i += 8
    }
    var s = acc.sum()
    while i < n {
        s += p[i]
        i += 1
    }
    return s
}

/// Σ a[i]·b[i].
@inline(__always)
func vectorDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = Lanes()
    var i = 0
    while i + 8 <= n {
        acc += loadLanes(a + i) * loadLanes(b + i)
        i += 8
    }
    var s = acc.sum()
    while i < n {
        s += a[i] * b[i]
        i += 1
    }
    return s
}

/// p[i] = exp(p[i] − shift) in place; returns the sum of the results.
@inline(__always)
func vectorExpShiftSum(_ p: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) -> Float {
    // the element-wise pass has no loop-carried dependency, so it vectorises on its own
    for i in 0..<n { p[i] = fastExp(p[i] - shift) }
    return vectorSum(p, n)
}

/// exp(x) for Float32 (Cephes `expf` polynomial after a range reduction by ln 2), a few ulp from
/// libm's. Plain arithmetic so that loops over it vectorise; libm's `expf` is an opaque call.
@inline(__always)
public func fastExp(_ input: Float) -> Float {
    // below −87.3 the result is subnormal/zero, above 88.7 it overflows
    let x = input < -87.336_54 ? -87.336_54 : (input > 88.376_26 ? 88.376_26 : input)
    // n = round(x / ln 2) by the 1.5·2²³ trick: adding it leaves the rounded integer in the low
    // mantissa bits. Unlike `rounded()` plus a trapping `Int32(_:)`, this is branch-free integer
    // arithmetic that vectorises.
    let shifted = x * 1.442_695_04 + 12_582_912
    let n = shifted - 12_582_912
    let ni = Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000
    // x − n·ln2 in two parts so the reduction is exact to Float precision (Cody–Waite)
    let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
    var p: Float = 1.987_569_15e-4
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    let poly = p * r * r + r + 1
    let scale = Float(bitPattern: UInt32(bitPattern: (ni &+ 127) &<< 23))
    return poly * scale
}

/// Σ (p[i] − m)².
@inline(__always)
func vectorSumSquaredDeviation(_ p: UnsafePointer<Float>, _ n: Int, mean m: Float) -> Float {
    var acc = Lanes()
    let mv = Lanes(repeating: m)
    var i = 0
    while i + 8 <= n {
        let d = loadLanes(p + i) - mv
        acc += d * d
        i += 8
    }
    var s = acc.sum()
    while i < n {
        let d = p[i] - m
        s += d * d
        i += 1
    }
    return s
}

/// The vectorised row helpers, for callers outside this module (the KV-cached decode step).
public enum Kernels {
    /// Σ a[i]·b[i] over n elements, eight lanes at a time.
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float { vectorDot(a, b, n) }

    /// max of p[0..<n], n ≥ 1.
    @inline(__always)
    public static func max(_ p: UnsafePointer<Float>, _ n: Int) -> Float { vectorMax(p, n) }

    /// p[i] = exp(p[i] − shift) in place; returns their sum.
    @inline(__always)
    public static func expShiftSum(_ p: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) -> Float {
        vectorExpShiftSum(p, n, shift: shift)
    }
}
