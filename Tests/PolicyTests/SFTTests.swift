import Policy
import Tensor
import Testing

@Suite struct SFTTests {
    /// A tiny corpus with learnable structure: "<a>+<b>=" → the digit of (a + b) mod 10.
    func corpus(_ pairs: [(Int, Int)]) -> [SFTExample] {
        let tok = ByteTokenizer()
        return pairs.map { a, b in
            SFTExample(prompt: tok.encode("\(a)+\(b)=", bos: true), response: tok.encode("\((a + b) % 10)", eos: true))
        }
    }

    var train: [SFTExample] { corpus((0..<10).flatMap { a in (0..<10).compactMap { b in (a * 10 + b) % 7 == 0 ? nil : (a, b) } }) }
    var heldOut: [SFTExample] { corpus((0..<10).flatMap { a in (0..<10).compactMap { b in (a * 10 + b) % 7 == 0 ? (a, b) : nil } }) }
    let config = GPTConfig(layers: 1, dim: 32, heads: 2, context: 16)
    let sft = SFTConfig(steps: 40, batchSize: 16, learningRate: 3e-3, seed: 7)

    @Test func lowersHeldOutLoss() throws {
        let model = try GPT(config: config, seed: 1)
        let before = try SFT.loss(model: model, examples: heldOut)
        let losses = try SFT.train(model: model, examples: train, config: sft)
        let after = try SFT.loss(model: model, examples: heldOut)
        #expect(losses.count == 40)
        #expect(after < before - 1, "held-out loss \(before) → \(after)")
    }

    @Test func sameSeedGivesBitIdenticalWeights() throws {
        let a = try GPT(config: config, seed: 1), b = try GPT(config: config, seed: 1)
        var short = sft
        short.steps = 10
        try SFT.train(model: a, examples: train, config: short)
        try SFT.train(model: b, examples: train, config: short)
        #expect(a.parameters.array == b.parameters.array)
        let c = try GPT(config: config, seed: 1)
        short.seed = 8
        try SFT.train(model: c, examples: train, config: short)
        #expect(a.parameters.array != c.parameters.array)
    }
}
