import Policy
import Tensor
import Testing

@Suite struct ValueHeadTests {
    @Test func gradientsOfHeadAndTrunkMatchFiniteDifferences() throws {
        let trunk = try tinyModel()
        let head = ValueHead(dim: 8, seed: 4)
        let batch = try SequenceBatch(prompts: [[1, 4, 2], [3]], responses: [[5, 6], [9, 2, 7, 7]], pad: 10)
        let wTok = (0..<(batch.batch * batch.time)).map { Float($0 % 5) * 0.3 - 0.6 }
        let wSeq: [Float] = [1.5, -0.8]
        func loss() throws -> Double {
            let v = try head.values(trunk: trunk, batch: batch)
            var s = 0.0
            for i in 0..<v.perToken.count { s += Double(wTok[i]) * Double(v.perToken[i]) }
            for i in 0..<2 { s += Double(wSeq[i]) * Double(v.perSequence[i]) }
            return s
        }
        _ = try loss()
        trunk.zeroGradients()
        head.backward(trunk: trunk, dPerToken: wTok, dPerSequence: wSeq)
        try expectParameterGradients(trunk, loss: loss)
        // the head's own weights and bias
        let analytic = head.gradients.array
        for i in 0...8 {
            let saved = head.parameters[i]
            head.parameters[i] = saved + 1e-2
            let up = try loss()
            head.parameters[i] = saved - 1e-2
            let down = try loss()
            head.parameters[i] = saved
            let numeric = (up - down) / 2e-2
            #expect(abs(Double(analytic[i]) - numeric) < 5e-3 + 2e-2 * abs(numeric), "head[\(i)]")
        }
    }

    @Test func perSequenceValueIsReadAtTheLastRealToken() throws {
        let trunk = try tinyModel()
        let head = ValueHead(dim: 8, seed: 4)
        let batch = try SequenceBatch(prompts: [[1, 4, 2], [3]], responses: [[5, 6], [9]], pad: 10)
        let v = try head.values(trunk: trunk, batch: batch)
        #expect(v.perSequence[0] == v.perToken[0 * batch.time + 4])
        #expect(v.perSequence[1] == v.perToken[1 * batch.time + 1])
        // padding after the last token cannot change it (causal attention)
        let padded = try SequenceBatch(tokens: batch.tokens.map { $0 == 10 ? 0 : $0 }, scored: batch.scored,
                                       batch: 2, time: batch.time, lengths: batch.lengths)
        let v2 = try head.values(trunk: trunk, batch: padded)
        #expect(abs(v2.perSequence[1] - v.perSequence[1]) < 1e-6)
    }
}
