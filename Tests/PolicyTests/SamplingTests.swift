import Policy
import Tensor
import Testing

@Suite struct SamplingTests {
    let prompts: [[Int32]] = [[256, 72, 105], [256], [256, 1, 2, 3, 4, 5], [256, 9, 9]]

    func model() throws -> GPT {
        try tinyModel(layers: 2, dim: 16, heads: 4, context: 24, vocab: ByteTokenizer.vocabSize, seed: 3, scale: 0.4)
    }

    @Test(arguments: [
        SamplingParameters(maxNewTokens: 12, seed: 1),
        SamplingParameters(temperature: 0.7, topK: 20, maxNewTokens: 12, seed: 2),
        SamplingParameters(temperature: 1.3, topP: 0.8, maxNewTokens: 30, seed: 3),
        SamplingParameters(temperature: 0, maxNewTokens: 12, seed: 4),
    ])
    func kvCacheGivesExactlyTheTokensOfFullRecompute(parameters: SamplingParameters) throws {
        let m = try model()
        let cached = try m.sample(prompts: prompts, parameters: parameters)
        let full = try m.sample(prompts: prompts, parameters: parameters, useCache: false)
        #expect(cached.map(\.tokens) == full.map(\.tokens))
        #expect(cached.map(\.tokens).allSatisfy { !$0.isEmpty })
        for (a, b) in zip(cached, full) {
            for (x, y) in zip(a.logProbs, b.logProbs) { #expect(abs(x - y) < 1e-4) }
        }
    }

    /// A cache budget too small for the batch makes each group decode in chunks (here one sequence
    /// at a time) with the same tokens: memory is bounded without changing what is sampled.
    @Test func aSmallCacheBudgetDecodesInChunksWithTheSameTokens() throws {
        let m = try model()
        let many = (0..<12).flatMap { _ in prompts }
        let p = SamplingParameters(temperature: 1.1, maxNewTokens: 10, seed: 5)
        let whole = try m.sample(prompts: many, parameters: p)
        let chunked = try m.sample(prompts: many, parameters: p, cacheBudget: 1)
        #expect(chunked.map(\.tokens) == whole.map(\.tokens))
        for (a, b) in zip(chunked, whole) {
            for (x, y) in zip(a.logProbs, b.logProbs) { #expect(abs(x - y) < 1e-5) }
        }
    }

    @Test func sameSeedSameTokensOtherSeedOtherTokensBatchIndependent() throws {
        let m = try model()
        let p = SamplingParameters(maxNewTokens: 16, seed: 11)
        let a = try m.sample(prompts: prompts, parameters: p)
        let b = try m.sample(prompts: prompts, parameters: p)
        var q = p
        q.seed = 12
        let c = try m.sample(prompts: prompts, parameters: q)
        #expect(a == b)
        #expect(a.map(\.tokens) != c.map(\.tokens))
        // a sequence's completion does not depend on its batch-mates (the prefill length does, so
        // log-probs may move in the last bits)
        let alone = try m.sample(prompts: [prompts[0]], parameters: p)
        #expect(alone[0].tokens == a[0].tokens)
        for (x, y) in zip(alone[0].logProbs, a[0].logProbs) { #expect(abs(x - y) < 1e-5) }
    }

    @Test func lengthLimitsAndContextAreRespected() throws {
        let m = try model()
        let out = try m.sample(prompts: prompts, parameters: SamplingParameters(maxNewTokens: 5, stopAtEOS: false, seed: 1))
        #expect(out.allSatisfy { $0.tokens.count == 5 })
        let long = try m.sample(prompts: prompts, parameters: SamplingParameters(maxNewTokens: 100, stopAtEOS: false))
        for (p, c) in zip(prompts, long) { #expect(p.count + c.tokens.count == 24) }
    }

    @Test func stopsAtEOSAndReportsIt() throws {
        let m = try model()
        // Make EOS overwhelmingly likely everywhere: constant final layer-norm output u, wte[EOS] ∥ u.
        guard let lnfW = m.parameter(named: "lnf.weight"), let lnfB = m.parameter(named: "lnf.bias"),
              let wte = m.parameter(named: "wte.weight") else {
            Issue.record("missing parameters")
            return
        }
        for i in 0..<16 {
            lnfW[i] = 0
            lnfB[i] = 1
            wte[Int(ByteTokenizer.eos) * 16 + i] = 2
        }
        let out = try m.sample(prompts: prompts, parameters: SamplingParameters(maxNewTokens: 10, seed: 5))
        for c in out {
            #expect(c.endedWithEOS)
            #expect(c.tokens.isEmpty && c.logProbs.count == 1)
        }
    }

    @Test func greedyAndTopOneAgreeAndLogProbsMatchScoring() throws {
        let m = try model()
        let greedy = try m.sample(prompts: prompts, parameters: SamplingParameters(temperature: 0, maxNewTokens: 6, stopAtEOS: false))
        let top1 = try m.sample(prompts: prompts, parameters: SamplingParameters(topK: 1, maxNewTokens: 6, stopAtEOS: false, seed: 9))
        #expect(greedy.map(\.tokens) == top1.map(\.tokens))
        let batch = try SequenceBatch(prompts: prompts, responses: greedy.map(\.tokens))
        let scored = try m.sequenceLogProbs(batch)
        for (s, c) in zip(scored.sum, greedy) { #expect(abs(s - c.logProbs.reduce(0, +)) < 1e-3) }
    }

    @Test func rejectsBadParametersAndPrompts() throws {
        let m = try model()
        #expect(throws: PolicyError.self) { try m.sample(prompts: [[256]], parameters: SamplingParameters(temperature: .nan)) }
        #expect(throws: PolicyError.self) { try m.sample(prompts: [[256]], parameters: SamplingParameters(topP: 0)) }
        #expect(throws: PolicyError.self) { try m.sample(prompts: [[]], parameters: SamplingParameters()) }
        #expect(throws: PolicyError.self) { try m.sample(prompts: [[999]], parameters: SamplingParameters()) }
    }
}
