import Foundation
@testable import Policy
import Tensor
import Testing

@Suite struct GPTGradientTests {
    /// Two sequences of different lengths: prompt tokens, response tokens and padding all present.
    func batch() throws -> SequenceBatch {
        try SequenceBatch(prompts: [[1, 4, 2], [3]], responses: [[5, 6, 7, 8], [9, 2]], pad: 10)
    }

    @Test(arguments: [false, true])
    func wholeModelGradientMatchesFiniteDifferences(dataParallel: Bool) throws {
        let model = try tinyModel()
        if dataParallel { model.dataParallelMinimumWork = 0 }
        let batch = try batch()
        let wSum: [Float] = [0.7, -1.3], wMean: [Float] = [0.4, 0.9]
        func loss() throws -> Double {
            let lp = try model.sequenceLogProbs(batch)
            var s = 0.0
            for b in 0..<2 { s += Double(wSum[b]) * Double(lp.sum[b]) + Double(wMean[b]) * Double(lp.mean[b]) }
            return s
        }
        _ = try loss()
        model.zeroGradients()
        model.backwardLogProbs(dSum: wSum, dMean: wMean)
        try expectParameterGradients(model, loss: loss)
    }

    @Test func logProbsIgnorePromptAndPadding() throws {
        let model = try tinyModel()
        let lp = try model.sequenceLogProbs(try batch())
        #expect(lp.count == [4, 2])
        #expect(lp.perToken.count == 6)
        #expect(abs(lp.mean[1] - lp.sum[1] / 2) < 1e-6)
        // changing padding or a different batch-mate does not move a row's log-prob
        let other = try SequenceBatch(prompts: [[1, 4, 2], [3, 3, 3, 3]], responses: [[5, 6, 7, 8], [9, 9, 9, 9, 9]], pad: 10)
        let lp2 = try model.sequenceLogProbs(other)
        #expect(abs(lp2.sum[0] - lp.sum[0]) < 1e-5)
        // each log-prob is a proper log-probability
        #expect(lp.perToken.allSatisfy { $0 < 0 })
    }

    @Test func logProbsAgreeWithFullLogits() throws {
        let model = try tinyModel()
        let batch = try batch()
        let lp = try model.sequenceLogProbs(batch)
        let t = batch.time - 1
        var input: [Int32] = []
        for b in 0..<2 { input += batch.tokens[(b * batch.time)..<(b * batch.time + t)] }
        let logits = try model.logits(tokens: input, batch: 2, time: t)
        var expected = 0.0
        for i in 0..<t where batch.scored[i + 1] != 0 {
            let row = logits.data[(i * 11)..<((i + 1) * 11)].map(Double.init)
            let mx = row.max() ?? 0
            let lse = mx + log(row.map { exp($0 - mx) }.reduce(0, +))
            expected += row[Int(batch.tokens[i + 1])] - lse
        }
        #expect(abs(Double(lp.sum[0]) - expected) < 1e-4)
    }

    @Test func rejectsBadInput() throws {
        let model = try tinyModel()
        #expect(throws: PolicyError.self) { try model.logits(tokens: [1, 2, 99], batch: 1, time: 3) }
        #expect(throws: PolicyError.self) { try model.logits(tokens: [Int32](repeating: 1, count: 9), batch: 1, time: 9) }
        #expect(throws: PolicyError.self) { try GPT(config: GPTConfig(layers: 1, dim: 10, heads: 3, context: 4), seed: 0) }
        #expect(throws: PolicyError.self) { try SequenceBatch(tokens: [1, 2], scored: [1, 0], batch: 1, time: 2) }
    }
}

extension GPTGradientTests {
    @Test func dataParallelScoringEqualsSingleReplica() throws {
        let model = try tinyModel()
        model.dataParallelMinimumWork = 0  // split even this tiny batch across replicas
        let batch = try SequenceBatch(prompts: [[1, 4, 2], [3], [5, 5], [1]], responses: [[5, 6, 7, 8], [9, 2], [1], [2, 3, 4]], pad: 10)
        let d: [Float] = [0.3, -1, 2, 0.5]
        let split = try model.sequenceLogProbs(batch)
        model.zeroGradients()
        model.backwardLogProbs(dSum: d)
        let splitGrads = model.gradients.array
        let single = try Parallel.serial { try model.sequenceLogProbs(batch) }
        model.zeroGradients()
        Parallel.serial { model.backwardLogProbs(dSum: d) }
        #expect(split.perToken.count == single.perToken.count)
        for (a, b) in zip(split.perToken, single.perToken) { #expect(abs(a - b) < 1e-5) }
        for (a, b) in zip(splitGrads, model.gradients.array) { #expect(abs(a - b) < 1e-5) }
    }
}

extension GPTGradientTests {
    @Test func sequencesWithoutScoredTokensContributeNothing() throws {
        let model = try tinyModel()
        let some = try SequenceBatch(prompts: [[1, 2, 3], [4, 5]], responses: [[], [6]], pad: 10)
        let lp = try model.sequenceLogProbs(some)
        #expect(lp.count == [0, 1] && lp.sum[0] == 0 && lp.mean[0] == 0)
        model.zeroGradients()
        model.backwardLogProbs(dSum: [1, 1], dMean: [1, 1])
        #expect(model.gradients.array.contains { $0 != 0 })
        let none = try SequenceBatch(prompts: [[1, 2, 3], [4, 5]], responses: [[], []], pad: 10)
        let empty = try model.sequenceLogProbs(none)
        #expect(empty.count == [0, 0] && empty.perToken.isEmpty)
        model.zeroGradients()
        model.backwardLogProbs(dSum: [1, 1])
        #expect(model.gradients.array.allSatisfy { $0 == 0 })
    }
}

extension GPTGradientTests {
    @Test func frozenModelScoresIdentically() throws {
        let model = try tinyModel(), frozen = try tinyModel()
        frozen.requiresGradients = false
        let batch = try batch()
        #expect(try model.sequenceLogProbs(batch) == frozen.sequenceLogProbs(batch))
        // the full-width path (every row through the head) shares one activation slot too
        let tokens: [Int32] = [1, 4, 2, 5, 6, 7, 3, 9]
        #expect(try model.logits(tokens: tokens, batch: 2, time: 4) == frozen.logits(tokens: tokens, batch: 2, time: 4))
    }
}
