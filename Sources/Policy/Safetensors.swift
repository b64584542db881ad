public import Tensor
public import Foundation
import StrictJSON

/// A safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and byte range, then the raw little-endian data (huggingface/safetensors format).
///
/// Tensors are written as `F32` (everything in this project is Float32); `F16` and `BF16` are read and widened. Decoding treats
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
        var header: [String: JSONValue] = [:]
        if !metadata.isEmpty { header["__metadata__"] = .object(metadata.mapValues(JSONValue.string)) }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            guard let t = tensors[name] else { continue }
            header[name] = .object(["dtype": .string("F32"), "shape": .array(t.shape.map { .number(Double($0)) }),
                                    "data_offsets": .array([.number(Double(offset)), .number(Double(offset + 4 * t.count))])])
            offset += 4 * t.count
        }
        var json = JSONValue.object(header).bytes
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

    /// Parses bytes, validating the whole header against the data before decoding any tensor.
    public init(bytes: [UInt8]) throws(PolicyError) {
        try self.init(bytes: bytes, header: Header(bytes: bytes))
    }

    /// Decodes the tensors `header` (read from these `bytes`) describes. The header's ranges are disjoint and
    /// cover the data exactly, so the tensors together take no more memory than the file's data.
    public init(bytes: [UInt8], header: Header) throws(PolicyError) {
        guard header.dataStart + header.dataCount == bytes.count else { throw PolicyError("safetensors: the header was read from another file") }
        var tensors: [String: Tensor] = [:]
        tensors.reserveCapacity(header.entries.count)
        for entry in header.entries {
            tensors[entry.name] = Tensor(shape: entry.shape, data: Self.floats(bytes, header: header, entry: entry))
        }
        self.tensors = tensors
        self.metadata = header.metadata
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
