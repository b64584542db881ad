/// How to draw tokens from a policy.
public struct SamplingParameters: Sendable, Codable, Equatable, Hashable {
    /// Softmax temperature; 0 means greedy (argmax, lowest id on ties).
    public var temperature: Float
    /// Keep only the `topK` most likely tokens; 0 disables the filter.
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability reaches `topP`; 1 disables it.
    public var topP: Float
    /// Upper bound on generated tokens per sequence (the context length also bounds it).
    public var maxNewTokens: Int
    /// Stop a sequence when it draws ``eos``.
    public var stopAtEOS: Bool
    /// The end-of-sequence id: the model's tokenizer's (``Tokenizer/eosID``). Not stored with a run's
    /// parameters: it belongs to the model, which sets it when sampling.
    public var eos: Int32 = ByteTokenizer.eos
    /// Seed; sequence `i` of a batch draws from its own stream derived from (seed, i), so a
    /// completion does not depend on what else is in the batch or how the batch is split over cores
    /// (up to floating-point rounding of the logits, whose GEMM shapes do depend on the batch).
    public var seed: UInt64

    /// Parameters with PyTorch-like defaults: plain multinomial sampling at temperature 1.
    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1, maxNewTokens: Int = 64,
                stopAtEOS: Bool = true, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.maxNewTokens = maxNewTokens
        self.stopAtEOS = stopAtEOS
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey { case temperature, topK, topP, maxNewTokens, stopAtEOS, seed }

    /// Throws on NaN, negative or out-of-range values.
    public func validate() throws(PolicyError) {
        guard temperature.isFinite, temperature >= 0 else { throw PolicyError("sampling: temperature must be finite and ≥ 0") }
        guard topK >= 0 else { throw PolicyError("sampling: topK must be ≥ 0") }
        guard topP.isFinite, topP > 0, topP <= 1 else { throw PolicyError("sampling: topP must be in (0, 1]") }
        guard maxNewTokens >= 0 else { throw PolicyError("sampling: maxNewTokens must be ≥ 0") }
    }
}

/// One generated continuation.
public struct Completion: Sendable, Equatable {
    /// Generated tokens, excluding the prompt and excluding a final EOS.
    public var tokens: [Int32]
    /// log π(token) of each generated token (and of the EOS, if drawn) under the model at
    /// temperature 1, i.e. what ``GPT/sequenceLogProbs(_:)`` would score.
    public var logProbs: [Float]
    /// Whether generation ended by drawing EOS (rather than hitting a length limit).
    public var endedWithEOS: Bool
}
