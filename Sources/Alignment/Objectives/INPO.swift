// INPO (docs/ALGORITHMS.md §3). Convention: the OMD-natural symbols of §3.1 — τ the KL-to-reference coefficient,
// η the mirror-descent step — so the regression is `(h − η/2)²` with `h = Δπ − ητ Δref − (1−ητ) Δπ_t`.
// The MNPO code's `ratio` is ητ and its `eta` is 1/η; ``INPO/init(ratio:codeEta:)`` converts.

/// One INPO pair drawn from π_t and labelled by the preference oracle.
public struct INPOExample: Sendable, Hashable {
    /// Log-probs under πθ and the frozen reference π_ref.
    public var pair: PreferencePair
    /// `log π_t(y_w)`, the previous iterate (MNPO's history policy).
    public var previousChosen: Double
    /// `log π_t(y_l)`.
    public var previousRejected: Double

    /// Creates an example.
    public init(pair: PreferencePair, previousChosen: Double, previousRejected: Double) {
        self.pair = pair
        self.previousChosen = previousChosen
        self.previousRejected = previousRejected
    }
}

/// Iterative Nash Policy Optimization: `ℓ = (h_t(y_w, y_l) − η/2)²`,
/// `h_t = log πθ(y_w)/πθ(y_l) − ητ·log π_ref(y_w)/π_ref(y_l) − (1−ητ)·log π_t(y_w)/π_t(y_l)`.
///
/// Zhang et al., "Iterative Nash Policy Optimization", ICLR 2025, arXiv 2407.00617. Its population minimiser
/// is the online-mirror-descent step `π_{t+1} ∝ π_t^{1−ητ} π_ref^{ητ} exp(η P(·≻π_t))` (docs/ALGORITHMS.md §3.1;
/// the paper's own equation numbering could not be checked); code: smiles724/MNPO `mnpo_trainer.py` L45–82
/// with one history policy. rewards/* are `τ·(log πθ − log π_ref)`: at the regularised equilibrium that is
/// the win-rate `P(y ≻ π*)` up to a constant. Extra metric `inpo/logits` (mean h).
public struct INPO: PreferenceObjective {
    /// OMD step size η; default 400/3, i.e. MNPO's `eta=0.0075` (target 66.67).
    public var eta: Double
    /// KL-to-reference coefficient τ; default 0.0025, i.e. MNPO's `ratio = ητ = 1/3`.
    public var tau: Double

    /// Creates the objective; `eta`, `tau` positive with `ητ ≤ 1` (otherwise π_t enters with a negative weight).
    public init(eta: Double = 400.0 / 3.0, tau: Double = 0.0025) {
        precondition(eta > 0 && eta.isFinite && tau > 0 && tau.isFinite, "INPO eta and tau must be positive")
        precondition(eta * tau <= 1 + 1e-12, "INPO needs eta * tau <= 1")
        self.eta = eta
        self.tau = tau
    }

    /// Converts the MNPO code's hyperparameters: `ratio = ητ`, `codeEta = 1/η`.
    public init(ratio: Double, codeEta: Double) {
        self.init(eta: 1 / codeEta, tau: ratio * codeEta)
    }

    /// Mean of `(h − η/2)²`.
    public func evaluate(_ batch: [INPOExample]) -> ObjectiveValue<PairGradient> {
        let ratio = eta * tau
        let h = batch.map { e in
            (e.pair.policyChosen - e.pair.policyRejected)
                - ratio * (e.pair.referenceChosen - e.pair.referenceRejected)
                - (1 - ratio) * (e.previousChosen - e.previousRejected)
        }
        let terms = batch.indices.map { i in
            let error = h[i] - eta / 2
            return PairTerm(
                loss: error * error,
                gradient: PairGradient(chosen: 2 * error, rejected: -2 * error),
                rewardChosen: tau * batch[i].pair.chosenLogRatio,
                rewardRejected: tau * batch[i].pair.rejectedLogRatio,
                policyChosen: batch[i].pair.policyChosen,
                policyRejected: batch[i].pair.policyRejected
            )
        }
        return pairwiseValue(terms, extra: ["inpo/logits": h])
    }
}
