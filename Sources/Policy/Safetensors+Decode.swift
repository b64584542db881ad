extension Safetensors {
    /// One tensor's values as Float32, from the bytes `header` was read from: F32 as stored, F16 and BF16 widened
    /// (exactly: every half-precision value, subnormals, infinities and NaN included, is a Float32).
    public static func floats(_ bytes: [UInt8], header: Header, entry: Header.Entry) -> [Float] {
        let base = header.dataStart + entry.byteOffset
        var data = [Float](repeating: 0, count: entry.count)
        data.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { raw in
                switch entry.dtype {
                case .f32:
                    for i in 0..<entry.count {
                        let p = base + 4 * i
                        let bits = UInt32(raw[p]) | UInt32(raw[p + 1]) << 8 | UInt32(raw[p + 2]) << 16 | UInt32(raw[p + 3]) << 24
                        out[i] = Float(bitPattern: bits)
                    }
                case .bf16:
                    for i in 0..<entry.count {
                        let p = base + 2 * i
                        out[i] = Float(bitPattern: (UInt32(raw[p]) | UInt32(raw[p + 1]) << 8) << 16)
                    }
                case .f16:
                    for i in 0..<entry.count {
                        let p = base + 2 * i
                        out[i] = halfToFloat(UInt16(raw[p]) | UInt16(raw[p + 1]) << 8)
                    }
                }
            }
        }
        return data
    }

    /// IEEE 754 binary16 → binary32, by bits (no reliance on a platform Float16).
    public static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) }  // inf, NaN
        if exponent == 0 {
            // zero or subnormal: mantissa · 2^-24, exact in Float32
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | mantissa << 13)
    }
}
