import StrictJSON

extension Safetensors {
    /// A safetensors header, checked as a whole before any tensor is decoded: every entry is a well-formed F32,
    /// F16 or BF16 tensor, and their byte ranges, taken in offset order, tile the data section exactly (disjoint, in bounds,
    /// no holes, as the format requires). Reading one allocates nothing proportional to what the header claims,
    /// only to its own size: a small file cannot make a reader copy the same bytes once per aliasing entry.
    public struct Header: Sendable, Equatable {
        /// One tensor: name, shape, and where its bytes are in the data section.
        public struct Entry: Sendable, Equatable {
            public var name: String
            public var shape: [Int]
            /// Byte offset into the data section (after the header).
            public var byteOffset: Int
            /// Element count (the product of `shape`).
            public var count: Int
            /// Element type: F32, or F16 and BF16, which are widened to F32 when read.
            public var dtype: DType = .f32
            /// Bytes the tensor takes in the file.
            public var byteCount: Int { count * dtype.size }
        }

        /// The element types read: everything is computed in F32; half-precision files are widened exactly.
        public enum DType: String, Sendable, Equatable {
            case f32 = "F32", f16 = "F16", bf16 = "BF16"
            public var size: Int { self == .f32 ? 4 : 2 }
        }

        /// The tensors in data order.
        public private(set) var entries: [Entry]
        /// Free-form string metadata (`__metadata__`).
        public private(set) var metadata: [String: String]
        /// Where the data section starts in the file, and its length.
        public let dataStart: Int, dataCount: Int

        /// Name → shape, for comparing against what a model expects.
        public var shapes: [String: [Int]] { Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.shape) }) }

        public init(bytes: [UInt8]) throws(PolicyError) {
            guard bytes.count >= 8 else { throw PolicyError("safetensors: file shorter than its 8-byte header length") }
            var n: UInt64 = 0
            for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
            guard n <= UInt64(min(Safetensors.maxHeaderBytes, bytes.count - 8)) else {
                throw PolicyError("safetensors: header length \(n) exceeds the file")
            }
            dataStart = 8 + Int(n)
            dataCount = bytes.count - dataStart
            let object: JSONValue
            do {
                // Strict: a tensor named twice would leave which bytes it means to the parser.
                object = try JSONReader.read(Array(bytes[8..<dataStart]))
            } catch {
                throw PolicyError(error.kind == .duplicateKey ? "safetensors: header names \(error.path) twice" : "safetensors: header is not valid JSON")
            }
            guard case .object(let header) = object else { throw PolicyError("safetensors: header is not a JSON object") }
            var entries: [Entry] = []
            var metadata: [String: String] = [:]
            for (name, value) in header {
                if name == "__metadata__" {
                    guard case .object(let m) = value else { throw PolicyError("safetensors: __metadata__ must map strings to strings") }
                    for (key, text) in m {
                        guard case .string(let text) = text else { throw PolicyError("safetensors: __metadata__ must map strings to strings") }
                        metadata[key] = text
                    }
                    continue
                }
                entries.append(try Self.entry(name, value, dataCount: dataCount))
            }
            // Tiling the data: sorted by offset, each range starts where the previous one ended, the last ends at the end.
            entries.sort { ($0.byteOffset, $0.count) < ($1.byteOffset, $1.count) }
            var end = 0
            for entry in entries {
                guard entry.byteOffset == end else {
                    throw PolicyError(entry.byteOffset < end
                        ? "safetensors: \(entry.name) overlaps another tensor's bytes"
                        : "safetensors: the bytes before \(entry.name) belong to no tensor")
                }
                end += entry.byteCount
            }
            guard end == dataCount else { throw PolicyError("safetensors: the tensors cover \(end) of the \(dataCount) data bytes") }
            self.entries = entries
            self.metadata = metadata
        }

        private static func entry(_ name: String, _ value: JSONValue, dataCount: Int) throws(PolicyError) -> Entry {
            guard case .object(let entry) = value, case .string(let dtype)? = entry["dtype"],
                  let shape = integers(entry["shape"]), let offsets = integers(entry["data_offsets"]), offsets.count == 2
            else { throw PolicyError("safetensors: malformed entry for \(name)") }
            guard let type = DType(rawValue: dtype) else {
                throw PolicyError("safetensors: \(name) has dtype \(dtype); only F32, F16 and BF16 are supported")
            }
            var count = 1
            for d in shape {
                guard d >= 0, case (let p, false) = count.multipliedReportingOverflow(by: d), p <= dataCount / type.size else {
                    throw PolicyError("safetensors: \(name) has an invalid shape")
                }
                count = p
            }
            let begin = offsets[0], end = offsets[1]
            guard begin >= 0, end >= begin, end <= dataCount, end - begin == type.size * count else {
                throw PolicyError("safetensors: \(name) byte range does not match its shape or the file")
            }
            return Entry(name: name, shape: shape, byteOffset: begin, count: count, dtype: type)
        }

        /// A JSON array of integers (booleans and fractions refused).
        private static func integers(_ value: JSONValue?) -> [Int]? {
            guard case .array(let array)? = value else { return nil }
            var out: [Int] = []
            out.reserveCapacity(array.count)
            for element in array {
                guard case .number(let number) = element, let int = Int(exactly: number) else { return nil }
                out.append(int)
            }
            return out
        }
    }
}
