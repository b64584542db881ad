import Foundation
import Policy
import Tensor
import Testing

/// Item 7: a header is checked whole before any tensor is decoded, so a small file cannot make the reader allocate
/// more than it holds.
@Suite struct SafetensorsHeaderTests {
    /// A file with `entries` (name → (shape, [begin, end])) over `data` bytes of zeros.
    func file(_ entries: [String: ([Int], [Int])], data: Int, metadata: [String: String] = [:]) throws -> [UInt8] {
        var header: [String: Any] = entries.mapValues { ["dtype": "F32", "shape": $0.0, "data_offsets": $0.1] }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = Array(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        return withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json + [UInt8](repeating: 0, count: data)
    }

    func refusal(_ bytes: [UInt8]) -> String? {
        do throws(PolicyError) {
            _ = try Safetensors.Header(bytes: bytes)
            return nil
        } catch {
            return error.message
        }
    }

    /// Fails before the fix: 300 entries over the same 4 KB were each decoded into their own copy (1.2 MB from a
    /// 4 KB body; 5 GB from the 16.8 MB upload of the report).
    @Test func aliasedEntriesAreRefusedBeforeDecoding() throws {
        var entries: [String: ([Int], [Int])] = [:]
        for i in 0..<300 { entries["t\(i)"] = ([1024], [0, 4096]) }
        let message = try #require(refusal(try file(entries, data: 4096)))
        #expect(message.contains("overlaps"), "\(message)")
        #expect(throws: PolicyError.self) { try Safetensors(bytes: try file(entries, data: 4096)) }
    }

    @Test func rangesMustTileTheDataExactly() throws {
        // Partly overlapping, a hole before a tensor, bytes after the last one, a duplicate name.
        #expect(refusal(try file(["a": ([2], [0, 8]), "b": ([2], [4, 12])], data: 12))?.contains("overlaps") == true)
        #expect(refusal(try file(["a": ([1], [4, 8])], data: 8))?.contains("belong to no tensor") == true)
        #expect(refusal(try file(["a": ([1], [0, 4])], data: 8))?.contains("cover 4 of the 8") == true)
        var twice = Array(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#.utf8)
        while (8 + twice.count) % 8 != 0 { twice.append(0x20) }
        let duplicate = withUnsafeBytes(of: UInt64(twice.count).littleEndian) { Array($0) } + twice + [0, 0, 0, 0]
        #expect(refusal(duplicate)?.contains("names a twice") == true)
        // Booleans and fractions are not sizes.
        let boolean = Array(#"{"a":{"dtype":"F32","shape":[true],"data_offsets":[0,4]}}"#.utf8)
        #expect(refusal(withUnsafeBytes(of: UInt64(boolean.count).littleEndian) { Array($0) } + boolean + [0, 0, 0, 0]) != nil)
    }

    @Test func aValidHeaderListsItsTensorsInDataOrder() throws {
        let bytes = try file(["b": ([2, 2], [0, 16]), "a": ([3], [16, 28]), "empty": ([0, 5], [28, 28])], data: 28, metadata: ["k": "v"])
        let header = try Safetensors.Header(bytes: bytes)
        #expect(header.entries.map(\.name) == ["b", "a", "empty"])
        #expect(header.shapes == ["a": [3], "b": [2, 2], "empty": [0, 5]])
        #expect(header.metadata == ["k": "v"])
        let decoded = try Safetensors(bytes: bytes, header: header)
        #expect(decoded.tensors["b"] == Tensor(shape: [2, 2], data: [0, 0, 0, 0]))
        // What this service writes reads back unchanged.
        let written = Safetensors(tensors: ["x": Tensor(shape: [2], data: [1, 2]), "w": Tensor(shape: [1, 3], data: [3, 4, 5])], metadata: ["m": "1"])
        #expect(try Safetensors(bytes: written.encoded()) == written)
    }

    /// The tensor set a checkpoint of an architecture holds is known without building the model.
    @Test func tensorShapesMatchACheckpoint() throws {
        let config = GPTConfig(layers: 2, dim: 8, heads: 2, context: 8)
        let checkpoint = try GPT(config: config, seed: 1).checkpoint()
        #expect(GPT.tensorShapes(config) == checkpoint.tensors.mapValues(\.shape))
        #expect(try Safetensors.Header(bytes: checkpoint.encoded()).shapes == GPT.tensorShapes(config))
    }
}
