public import Tensor

/// One supervised example: the model learns to continue `prompt` with `response`.
public struct SFTExample: Sendable, Equatable {
    /// Conditioning tokens (start with BOS); not trained on.
    public var prompt: [Int32]
    /// Target tokens (usually ending with EOS); the loss is taken on these only.
    public var response: [Int32]

    /// An example from token ids.
    public init(prompt: [Int32], response: [Int32]) {
        self.prompt = prompt
        self.response = response
    }
}

/// Settings of a supervised fine-tuning run.
public struct SFTConfig: Sendable, Equatable, Codable {
    /// Optimiser steps.
    public var steps: Int
    /// Examples per step, drawn uniformly with replacement.
    public var batchSize: Int
    /// AdamW learning rate.
    public var learningRate: Float
    /// AdamW decoupled weight decay.
    public var weightDecay: Float
    /// Global gradient-norm clip.
    public var maxGradNorm: Float
    /// Seed of the example sampler.
    public var seed: UInt64

    /// A configuration with common small-model defaults.
    public init(steps: Int = 100, batchSize: Int = 8, learningRate: Float = 1e-3, weightDecay: Float = 0.0,
                maxGradNorm: Float = 1.0, seed: UInt64 = 0) {
        self.steps = steps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.maxGradNorm = maxGradNorm
        self.seed = seed
    }
}

/// Supervised fine-tuning: next-token cross-entropy on response tokens only (prompt and padding
/// masked), averaged over the batch's response tokens, as TRL's `SFTTrainer` with
/// `completion_only_loss`.
public enum SFT {
    /// Mean negative log-likelihood per response token over `examples` (no gradient), in batches.
    public static func loss(model: GPT, examples: [SFTExample], batchSize: Int = 16) throws(PolicyError) -> Double {
        var total = 0.0, tokens = 0
        var start = 0
        while start < examples.count {
            let chunk = examples[start..<min(start + batchSize, examples.count)]
            let lp = try model.sequenceLogProbs(try batch(Array(chunk)))
            total -= lp.sum.reduce(0) { $0 + Double($1) }
            tokens += lp.count.reduce(0, +)
            start += batchSize
        }
        return tokens > 0 ? total / Double(tokens) : 0
    }

    /// Runs `config.steps` AdamW steps on `model`, returning the training loss of each step. Pass
    /// an `optimizer` to continue a run (its moments and step count are used and updated).
    /// Deterministic for a given seed and thread count.
    @discardableResult
    public static func train(model: GPT, examples: [SFTExample], config: SFTConfig,
                             optimizer: inout AdamW) throws(PolicyError) -> [Float] {
        guard !examples.isEmpty, config.batchSize >= 1, config.steps >= 0 else {
            throw PolicyError("sft: need examples and a positive batch size")
        }
        guard optimizer.m.count == model.parameterCount else { throw PolicyError("sft: optimiser does not match model") }
        var rng = RNG(seed: config.seed)
        var losses: [Float] = []
        for _ in 0..<config.steps {
            let picked = (0..<config.batchSize).map { _ in examples[Int(rng.next() % UInt64(examples.count))] }
            let lp = try model.sequenceLogProbs(try batch(picked))
            let tokens = max(1, lp.count.reduce(0, +))
            losses.append(-lp.sum.reduce(0, +) / Float(tokens))
            model.zeroGradients()
            // loss = −Σ logp / tokens, so d(loss)/d(sum_b) = −1/tokens for every sequence
            model.backwardLogProbs(dSum: [Float](repeating: -1 / Float(tokens), count: picked.count))
            GradientClipping.clip(model.gradients.pointer, count: model.parameterCount, maxNorm: config.maxGradNorm)
            optimizer.update(params: model.parameters.pointer, grads: model.gradients.pointer)
        }
        return losses
    }

    /// ``train(model:examples:config:optimizer:)`` with a fresh AdamW from `config`.
    @discardableResult
    public static func train(model: GPT, examples: [SFTExample], config: SFTConfig) throws(PolicyError) -> [Float] {
        var opt = AdamW(parameterCount: model.parameterCount, learningRate: config.learningRate,
                        weightDecay: config.weightDecay)
        return try train(model: model, examples: examples, config: config, optimizer: &opt)
    }

    static func batch(_ examples: [SFTExample]) throws(PolicyError) -> SequenceBatch {
        try SequenceBatch(prompts: examples.map(\.prompt), responses: examples.map(\.response))
    }
}
