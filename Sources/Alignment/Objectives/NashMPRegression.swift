// Nash-MP, regression form of one prox step (docs/ALGORITHMS.md §5.2, prox_solver "regression").
// Convention: β the KL-to-reference coefficient, η the mirror-prox step (≤ 2 for the linear rate).
// The same loss serves both half-steps; only where the pairs come from changes (opponent ρ = π_k for the
// ½-step, ρ = π_{k+½} for the full step) — the anchor is π_k in both.

/// One Nash-MP regression pair, drawn from the opponent ρ and labelled by the preference oracle.
public struct NashMPExample: Sendable, Hashable {
    /// Log-probs under πθ and the frozen reference π_ref.
    public var pair: PreferencePair
    /// `log π_k(y_w)`, the anchor of both prox steps.
    public var anchorChosen: Double
    /// `log π_k(y_l)`.
    public var anchorRejected: Double

    /// Creates an example.
    public init(pair: PreferencePair, anchorChosen: Double, anchorRejected: Double) {
        self.pair = pair
        self.anchorChosen = anchorChosen
        self.anchorRejected = anchorRejected
    }
}

/// Nash Mirror Prox, one prox step as a squared loss on labelled pairs from the opponent:
/// `ℓ = (h(y_w, y_l) − η/(2(1+ηβ)))²`,
/// `h = log πθ(y_w)/πθ(y_l) − (1/(1+ηβ))·log π_k(y_w)/π_k(y_l) − (ηβ/(1+ηβ))·log π_ref(y_w)/π_ref(y_l)`.
///
/// Tiapkin et al., "Accelerating Nash Learning from Human Feedback via Mirror Prox", arXiv 2505.19731: the
/// population minimiser is the exact prox step `log π ∝ [log π_k + ηβ log π_ref + η P(·≻ρ)]/(1+ηβ)`
/// (docs/ALGORITHMS.md §5.1; derived there, not the paper's LLM recipe, which could not be retrieved).
/// rewards/* are `β·(log πθ − log π_ref)`. Extra metric `nash_mp/logits` (mean h).
public struct NashMPRegression: PreferenceObjective {
    /// KL-to-reference coefficient β; default 0.1 (as DPO and Nash-MD; docs/ALGORITHMS.md §5.2 suggests 0.01–0.1).
    public var beta: Double
    /// Prox step η; default 2, the largest step with the `(1+ηβ)^{-k}` guarantee.
    public var eta: Double

    /// Creates the objective; η > 2 is allowed (the rate bound then no longer holds).
    public init(beta: Double = 0.1, eta: Double = 2) {
        precondition(beta > 0 && beta.isFinite && eta > 0 && eta.isFinite, "Nash-MP beta and eta must be positive")
        self.beta = beta
        self.eta = eta
    }

    /// Mean of `(h − η/(2(1+ηβ)))²`.
    public func evaluate(_ batch: [NashMPExample]) -> ObjectiveValue<PairGradient> {
        let denominator = 1 + eta * beta
        let h = batch.map { e in
            (e.pair.policyChosen - e.pair.policyRejected)
                - (e.anchorChosen - e.anchorRejected) / denominator
                - (eta * beta / denominator) * (e.pair.referenceChosen - e.pair.referenceRejected)
        }
        let target = eta / (2 * denominator)
        let terms = batch.indices.map { i in
            let error = h[i] - target
            return PairTerm(
                loss: error * error,
                gradient: PairGradient(chosen: 2 * error, rejected: -2 * error),
                rewardChosen: beta * batch[i].pair.chosenLogRatio,
                rewardRejected: beta * batch[i].pair.rejectedLogRatio,
                policyChosen: batch[i].pair.policyChosen,
                policyRejected: batch[i].pair.policyRejected
            )
        }
        return pairwiseValue(terms, extra: ["nash_mp/logits": h])
    }
}
