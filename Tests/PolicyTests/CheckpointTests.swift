import Foundation
import Policy
import Tensor
import Testing

@Suite struct CheckpointTests {
    @Test func safetensorsRoundTripsAndMatchesTheFormat() throws {
        let file = Safetensors(tensors: ["b": Tensor(shape: [3], data: [1, -2, 0.5]), "a": Tensor(shape: [1, 2], data: [3, 4])],
                               metadata: ["k": "v"])
        let bytes = file.encoded()
        #expect(try Safetensors(bytes: bytes) == file)
        // layout: u64 LE header length, 8-aligned JSON header, then "a" before "b" as raw LE floats
        let n = Int(bytes[0]) | Int(bytes[1]) << 8
        #expect((8 + n) % 8 == 0)
        #expect(Array(bytes[(8 + n)..<(8 + n + 4)]) == [0, 0, 0x40, 0x40])  // 3.0f
        #expect(bytes.count == 8 + n + 5 * 4)
    }

    @Test func rejectsCorruptFiles() {
        let good = Safetensors(tensors: ["x": Tensor(shape: [2], data: [1, 2])]).encoded()
        #expect(throws: PolicyError.self) { try Safetensors(bytes: Array(good.prefix(5))) }
        #expect(throws: PolicyError.self) { try Safetensors(bytes: Array(good.dropLast(1))) }
        var hugeHeader = good
        hugeHeader[7] = 0x7f
        #expect(throws: PolicyError.self) { try Safetensors(bytes: hugeHeader) }
        func raw(_ json: String, data: Int) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: 8)
            out[0] = UInt8(json.utf8.count)
            return out + Array(json.utf8) + [UInt8](repeating: 0, count: data)
        }
        #expect(throws: PolicyError.self) { try Safetensors(bytes: raw("{\"x\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,2]}}", data: 2)) }
        #expect(throws: PolicyError.self) { try Safetensors(bytes: raw("{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", data: 4)) }
        #expect(throws: PolicyError.self) { try Safetensors(bytes: raw("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", data: 4)) }
        #expect(throws: PolicyError.self) { try Safetensors(bytes: raw("[1,2]", data: 0)) }
        #expect(throws: PolicyError.self) { try Safetensors(bytes: raw("{not json", data: 0)) }
    }

    @Test func modelAndOptimizerStateRoundTripThroughAFile() throws {
        let config = GPTConfig(layers: 1, dim: 16, heads: 2, context: 16)
        let model = try GPT(config: config, seed: 3)
        let examples = [SFTExample(prompt: [256, 65], response: [66, 67, 257])]
        var opt = AdamW(parameterCount: model.parameterCount, learningRate: 1e-2)
        try SFT.train(model: model, examples: examples, config: SFTConfig(steps: 3, batchSize: 2), optimizer: &opt)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        var rng = RNG(seed: 5)
        _ = rng.next()
        try model.checkpoint(optimizer: opt, rng: rng, metadata: ["data_position": "17"]).write(to: url)
        let file = try Safetensors(contentsOf: url)
        #expect(file.rng == rng)
        #expect(file.metadata["data_position"] == "17")
        let (loaded, loadedOpt) = try GPT.load(file)
        #expect(loaded.config == config)
        #expect(loaded.parameters.array == model.parameters.array)
        #expect(loadedOpt == opt)
        // resuming from the checkpoint continues exactly as the uninterrupted run
        var resumed = try #require(loadedOpt)
        try SFT.train(model: model, examples: examples, config: SFTConfig(steps: 2, batchSize: 2, seed: 9), optimizer: &opt)
        try SFT.train(model: loaded, examples: examples, config: SFTConfig(steps: 2, batchSize: 2, seed: 9), optimizer: &resumed)
        #expect(loaded.parameters.array == model.parameters.array)
    }

    @Test func loadRejectsMissingMisshapenOrNonFiniteWeights() throws {
        let model = try GPT(config: GPTConfig(layers: 1, dim: 8, heads: 2, context: 4), seed: 1)
        var file = model.checkpoint()
        file.tensors["lnf.bias"] = nil
        #expect(throws: PolicyError.self) { try GPT.load(file) }
        file = model.checkpoint()
        file.tensors["lnf.bias"] = Tensor(zeros: [9])
        #expect(throws: PolicyError.self) { try GPT.load(file) }
        file = model.checkpoint()
        file.tensors["lnf.bias"]?.data[0] = .nan
        #expect(throws: PolicyError.self) { try GPT.load(file) }
        file = model.checkpoint()
        file.metadata["config"] = nil
        #expect(throws: PolicyError.self) { try GPT.load(file) }
        #expect(try GPT.load(file, config: model.config).model.parameters.array == model.parameters.array)
    }
}
