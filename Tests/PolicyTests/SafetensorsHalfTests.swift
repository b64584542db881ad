import Policy
import Testing

/// F16 and BF16 tensors (as `save_pretrained` writes half-precision models) are widened to F32 exactly.
@Suite struct SafetensorsHalfTests {
    @Test func halfPrecisionBitPatterns() {
        #expect(Safetensors.halfToFloat(0x3C00) == 1)
        #expect(Safetensors.halfToFloat(0xC000) == -2)
        #expect(Safetensors.halfToFloat(0x7BFF) == 65504)
        #expect(Safetensors.halfToFloat(0x3555) == Float(0x1.554p-2))
        #expect(Safetensors.halfToFloat(0x0001) == 0x1p-24)  // smallest subnormal
        #expect(Safetensors.halfToFloat(0x83FF) == -Float(0x3FF) * 0x1p-24)  // largest negative subnormal
        #expect(Safetensors.halfToFloat(0x8000).sign == .minus && Safetensors.halfToFloat(0x8000) == 0)
        #expect(Safetensors.halfToFloat(0x7C00) == .infinity && Safetensors.halfToFloat(0xFC00) == -.infinity)
        #expect(Safetensors.halfToFloat(0x7E00).isNaN)
    }

    @Test func filesWithF16AndBF16TensorsDecode() throws {
        // a: F16 [1, -2, 0.5]; b: BF16 [1, -3.5]
        let header = #"{"a":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[6,10]}}"#
        var bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian, Array.init) + Array(header.utf8)
        bytes += [0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38]
        bytes += [0x80, 0x3F, 0x60, 0xC0]
        let file = try Safetensors(bytes: bytes)
        #expect(file.tensors["a"]?.data == [1, -2, 0.5])
        #expect(file.tensors["b"]?.data == [1, -3.5])
        let wrongSize = #"{"a":{"dtype":"F16","shape":[3],"data_offsets":[0,12]}}"#
        let bad = withUnsafeBytes(of: UInt64(wrongSize.utf8.count).littleEndian, Array.init) + Array(wrongSize.utf8) + [UInt8](repeating: 0, count: 12)
        #expect(throws: PolicyError.self) { try Safetensors(bytes: bad) }
    }
}
