public import Tensor
public import Foundation

/// A safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and byte range, then the raw little-endian data (huggingface/safetensors format).
///
/// Only `F32` tensors are read or written (everything in this project is Float32). Decoding treats
/// the bytes as untrusted: every length, offset and shape is checked before use.
public struct Safetensors: Sendable, Equatable {
    /// Tensors by name.
    public var tensors: [String: Tensor]
    /// Free-form string metadata (`__metadata__`).
    public var metadata: [String: String]

    /// A file's contents.
    public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Header size limit: far above any real header, small enough to refuse a hostile length.
    static let maxHeaderBytes = 100 << 20

    /// Serialises to bytes. Tensors are laid out in name order, and the header is space-padded to a
    /// multiple of 8 bytes, as the Python library does, so data stays aligned.
    public func encoded() -> [UInt8] {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            guard let t = tensors[name] else { continue }
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.count]]
            offset += 4 * t.count
        }
        // JSONSerialization cannot fail on these plain String/Int/Array/Dictionary values.
        var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])).map { [UInt8]($0) } ?? [UInt8]("{}".utf8)
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var out = [UInt8]()
        out.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        for name in names {
            guard let t = tensors[name] else { continue }
            for x in t.data { withUnsafeBytes(of: x.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        }
        return out
    }

    /// Parses bytes, validating the header against the data.
    public init(bytes: [UInt8]) throws(PolicyError) {
        guard bytes.count >= 8 else { throw PolicyError("safetensors: file shorter than its 8-byte header length") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(min(Self.maxHeaderBytes, bytes.count - 8)) else {
            throw PolicyError("safetensors: header length \(n) exceeds the file")
        }
        let headerEnd = 8 + Int(n)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd]))
        } catch {
            throw PolicyError("safetensors: header is not valid JSON")
        }
        guard let header = object as? [String: Any] else { throw PolicyError("safetensors: header is not a JSON object") }
        let dataCount = bytes.count - headerEnd
        var tensors: [String: Tensor] = [:], metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else { throw PolicyError("safetensors: __metadata__ must map strings to strings") }
                metadata = m
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else { throw PolicyError("safetensors: malformed entry for \(name)") }
            guard dtype == "F32" else { throw PolicyError("safetensors: \(name) has dtype \(dtype); only F32 is supported") }
            var count = 1
            for d in shape {
                guard d >= 0, case (let p, false) = count.multipliedReportingOverflow(by: d), p <= dataCount else {
                    throw PolicyError("safetensors: \(name) has an invalid shape")
                }
                count = p
            }
            let begin = offsets[0], end = offsets[1]
            guard begin >= 0, end >= begin, end <= dataCount, end - begin == 4 * count else {
                throw PolicyError("safetensors: \(name) byte range does not match its shape or the file")
            }
            var data = [Float](repeating: 0, count: count)
            let base = headerEnd + begin
            for i in 0..<count {
                var bits: UInt32 = 0
                for k in 0..<4 { bits |= UInt32(bytes[base + 4 * i + k]) << (8 * UInt32(k)) }
                data[i] = Float(bitPattern: bits)
            }
            tensors[name] = Tensor(shape: shape, data: data)
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Reads and parses a file.
    public init(contentsOf url: URL) throws(PolicyError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw PolicyError("safetensors: cannot read \(url.path)") }
        try self.init(bytes: [UInt8](data))
    }

    /// Writes the file atomically.
    public func write(to url: URL) throws(PolicyError) {
        do { try Data(encoded()).write(to: url, options: .atomic) } catch {
            throw PolicyError("safetensors: cannot write \(url.path)")
        }
    }
}
