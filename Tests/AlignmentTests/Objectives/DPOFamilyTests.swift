import Alignment
import Testing

/// docs/ALGORITHMS.md §1.6: β = 0.1, a = [1, 0.5, 0, 1], b = [−0.5, −1, −1, 2], Δ = [1.5, 1.5, 1, −1].
@Suite("DPO family (docs/ALGORITHMS.md §1)")
struct DPOFamilyTests {
    @Test func sigmoidMatchesVector() {
        let value = DPOSigmoid(beta: 0.1).evaluate(dpoBatch)
        expectClose(value.losses, [0.62095705, 0.62095705, 0.64439666, 0.74439666], tolerance: 1e-8)
        expectClose(value.loss, 0.6576768539, tolerance: 1e-10)
        // The gradient is of the batch mean, so ×N recovers the per-example dL/dΔ of the vector.
        expectClose(value.gradients.map { 4 * $0.chosen }, [-0.04625702, -0.04625702, -0.04750208, -0.05249792], tolerance: 1e-8)
        expectClose(value.gradients.map { -4 * $0.rejected }, [-0.04625702, -0.04625702, -0.04750208, -0.05249792], tolerance: 1e-8)
    }

    @Test func trlMetricsMatchVector() {
        let m = DPOSigmoid(beta: 0.1).evaluate(dpoBatch).metrics
        // rewards/chosen = mean([0.1, 0.05, 0, 0.1]), rejected = mean([−0.05, −0.1, −0.1, 0.2]).
        expectClose(m["rewards/chosen"] ?? .nan, 0.0625, tolerance: 1e-12)
        expectClose(m["rewards/rejected"] ?? .nan, -0.0125, tolerance: 1e-12)
        expectClose(m["rewards/margins"] ?? .nan, 0.075, tolerance: 1e-12)
        expectClose(m["rewards/accuracies"] ?? .nan, 0.75, tolerance: 0)
        expectClose(m["logps/chosen"] ?? .nan, -20.625, tolerance: 1e-12)
        expectClose(m["logps/rejected"] ?? .nan, -20.75, tolerance: 1e-12)
    }

    @Test func hingeMatchesVector() {
        let value = DPOHinge(beta: 0.1).evaluate(dpoBatch)
        expectClose(value.losses, [0.85, 0.85, 0.90, 1.10], tolerance: 1e-12)
        expectClose(value.loss, 0.925, tolerance: 1e-12)
    }

    @Test func ipoSummedMatchesVector() {
        let value = IPO(beta: 0.1, normalization: .summed).evaluate(dpoBatch)
        expectClose(value.losses, [12.25, 12.25, 16.0, 36.0], tolerance: 1e-10)
        expectClose(value.loss, 19.125, tolerance: 1e-10)
    }

    @Test func ipoPerTokenMatchesVector() {
        let value = IPO(beta: 0.1, normalization: .perToken).evaluate(dpoBatch)
        expectClose(value.losses, [22.24694444, 23.60340278, 23.04, 25.61484568], tolerance: 1e-7)
        expectClose(value.loss, 23.6262982253, tolerance: 1e-9)
    }

    // A completion truncated to zero tokens must not produce NaN (TRL#1033): the count clamps to 1.
    @Test func ipoPerTokenClampsEmptyCompletions() {
        var pair = dpoBatch[0]
        pair.chosenTokenCount = 0
        let value = IPO(beta: 0.1, normalization: .perToken).evaluate([pair])
        // Δ̄ = 1/1 − (−0.5)/6 = 1.0833…, target 5.
        expectClose(value.loss, (1 + 0.5 / 6 - 5) * (1 + 0.5 / 6 - 5), tolerance: 1e-12)
    }

    @Test func cdpoMatchesVector() {
        let value = CDPO(beta: 0.1, labelSmoothing: 0.1).evaluate(dpoBatch)
        expectClose(value.losses, [0.63595705, 0.63595705, 0.65439666, 0.73439666], tolerance: 1e-8)
        expectClose(value.loss, 0.6651768539, tolerance: 1e-10)
    }

    @Test func robustMatchesVector() {
        let value = RobustDPO(beta: 0.1, labelSmoothing: 0.1).evaluate(dpoBatch)
        expectClose(value.losses, [0.60220705, 0.60220705, 0.63189666, 0.75689666], tolerance: 1e-8)
    }

    @Test func sppoHardMatchesVector() {
        let value = SPPOHard(beta: 0.1).evaluate(dpoBatch)
        expectClose(value.losses, [36.25, 36.25, 41.0, 65.0], tolerance: 1e-10)
        expectClose(value.loss, 44.625, tolerance: 1e-10)
    }

    // cDPO and robust DPO reduce to DPO at ε = 0.
    @Test func labelSmoothingZeroIsDPO() {
        let dpo = DPOSigmoid(beta: 0.1).evaluate(dpoBatch)
        #expect(CDPO(beta: 0.1, labelSmoothing: 0).evaluate(dpoBatch).losses == dpo.losses)
        expectClose(RobustDPO(beta: 0.1, labelSmoothing: 0).evaluate(dpoBatch).losses, dpo.losses, tolerance: 1e-15)
    }

    // Margins of ±10⁴ nats would overflow a naive log(1 + exp(·)); the stable form stays finite.
    @Test func sigmoidIsStableForExtremeMargins() {
        let big = PreferencePair(policyChosen: 0, policyRejected: -1e5, referenceChosen: 0, referenceRejected: 0)
        let small = PreferencePair(policyChosen: -1e5, policyRejected: 0, referenceChosen: 0, referenceRejected: 0)
        let value = DPOSigmoid(beta: 0.1).evaluate([big, small])
        #expect(value.losses[0] == 0)
        expectClose(value.losses[1], 1e4, tolerance: 1e-9)
        #expect(value.gradients.allSatisfy { $0.chosen.isFinite && $0.rejected.isFinite })
    }

    @Test func gradientsMatchFiniteDifferences() {
        expectPairGradientsMatchFiniteDifferences(DPOSigmoid(beta: 0.1), dpoBatch, pair: \.self)
        expectPairGradientsMatchFiniteDifferences(DPOHinge(beta: 0.1), dpoBatch, pair: \.self)
        expectPairGradientsMatchFiniteDifferences(IPO(beta: 0.1, normalization: .summed), dpoBatch, pair: \.self)
        expectPairGradientsMatchFiniteDifferences(IPO(beta: 0.1, normalization: .perToken), dpoBatch, pair: \.self)
        expectPairGradientsMatchFiniteDifferences(CDPO(beta: 0.1, labelSmoothing: 0.1), dpoBatch, pair: \.self)
        expectPairGradientsMatchFiniteDifferences(RobustDPO(beta: 0.1, labelSmoothing: 0.1), dpoBatch, pair: \.self)
        expectPairGradientsMatchFiniteDifferences(SPPOHard(beta: 0.1), dpoBatch, pair: \.self)
        expectPairGradientsMatchFiniteDifferences(SPPOHard(beta: 0.001), dpoBatch, pair: \.self)
    }
}
