import Alignment
import Testing

/// RPO's NLL term on the batch of docs/ALGORITHMS.md §1.6: chosen log-probs sum to −82.5 over 5 + 12 + 4 + 20 = 41
/// tokens, so the token-mean NLL is 82.5 / 41.
@Suite("RPO (DPO + NLL)")
struct RPOTests {
    static let nll = 82.5 / 41

    @Test func addsTheTokenMeanNLLOfTheChosenResponses() {
        let base = DPOSigmoid(beta: 0.1).evaluate(dpoBatch)
        let value = RPO(DPOSigmoid(beta: 0.1), alpha: 0.5).evaluate(dpoBatch)
        expectClose(value.loss, 0.6576768539 + 0.5 * Self.nll, tolerance: 1e-10)
        expectClose(value.losses, base.losses.map { $0 + 0.5 * Self.nll }, tolerance: 1e-12)
        expectClose(value.metrics["nll_loss"] ?? .nan, Self.nll, tolerance: 1e-12)
        // Every chosen sequence gets −α/Σ|y_w| on top of the DPO gradient; rejected ones are untouched.
        expectClose(value.gradients.map(\.chosen), base.gradients.map { $0.chosen - 0.5 / 41 }, tolerance: 1e-12)
        expectClose(value.gradients.map(\.rejected), base.gradients.map(\.rejected), tolerance: 0)
        #expect(value.metrics["rewards/margins"] == base.metrics["rewards/margins"])
    }

    @Test func alphaZeroIsTheBaseLoss() {
        let value = RPO(IPO(beta: 0.1, normalization: .perToken), alpha: 0).evaluate(dpoBatch)
        let base = IPO(beta: 0.1, normalization: .perToken).evaluate(dpoBatch)
        #expect(value.loss == base.loss)
        #expect(value.gradients == base.gradients)
    }

    @Test func gradientMatchesFiniteDifferences() {
        expectPairGradientsMatchFiniteDifferences(RPO(DPOSigmoid(beta: 0.1), alpha: 1), dpoBatch, pair: \.self)
        expectPairGradientsMatchFiniteDifferences(RPO(CDPO(beta: 0.1, labelSmoothing: 0.1), alpha: 0.03), dpoBatch, pair: \.self)
    }
}
