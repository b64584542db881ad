// SPPO regression losses (docs/ALGORITHMS.md §2). Convention: the paper's step size η, not the code's
// `beta = 1/η`; the frozen model in every `PreferencePair` is the **previous iterate** π_t, never the SFT
// model (uclaml/SPPO loads iteration t's output as `ref_model`). rewards/* are the code's `beta·logits`, i.e.
// `(1/η)(log πθ − log π_t)`, inherited from its DPO trainer's logging.

/// One SPPO training pair: log-probs under πθ and π_t, and win-rate estimates against π_t.
public struct SPPOExample: Sendable, Hashable {
    /// Log-probs; `reference*` are those of the previous iterate π_t.
    public var pair: PreferencePair
    /// `P̂(y_w ≻ π_t | x)`, the code's `chosen_probs_win`.
    public var chosenWinRate: Double
    /// `P̂(y_l ≻ π_t | x)`, the code's `chosen_probs_lose`.
    public var rejectedWinRate: Double

    /// Creates an example; win-rates must lie in [0, 1].
    public init(pair: PreferencePair, chosenWinRate: Double, rejectedWinRate: Double) {
        self.pair = pair
        self.chosenWinRate = chosenWinRate
        self.rejectedWinRate = rejectedWinRate
    }
}

/// Self-Play Preference Optimization, soft win-rate version:
/// `ℓ = ½[(a − η(P̂(y_w≻π_t) − ½))² + (b − η(P̂(y_l≻π_t) − ½))²]`, a, b log-ratios to π_t.
///
/// Wu et al., "Self-Play Preference Optimization for Language Model Alignment", arXiv 2405.00675: the
/// regression that approximates the multiplicative-weights step `π_{t+1} ∝ π_t exp(η P(y≻π_t))` with
/// `log Z ≈ η/2` (docs/ALGORITHMS.md §2.1); code `sppo/trainer.py` L860–883, `loss_type="sppo"`.
/// Its minimiser only approximates ``ExactSPPO`` (docs/ALGORITHMS.md §2.5).
public struct SPPO: PreferenceObjective {
    /// Step size η; default 1000 (the run scripts' `BETA=0.001`, the model cards' `eta: 1000`).
    public var eta: Double

    /// Creates the objective; `eta` must be positive.
    public init(eta: Double = 1000) {
        precondition(eta > 0 && eta.isFinite, "SPPO eta must be positive and finite")
        self.eta = eta
    }

    /// Mean regression loss; extra metrics `sppo/target_chosen`, `sppo/target_rejected` (mean η(P̂ − ½)).
    public func evaluate(_ batch: [SPPOExample]) -> ObjectiveValue<PairGradient> {
        let targetsChosen = batch.map { eta * ($0.chosenWinRate - 0.5) }
        let targetsRejected = batch.map { eta * ($0.rejectedWinRate - 0.5) }
        let terms = batch.indices.map { i in
            regressionTerm(batch[i].pair, targetChosen: targetsChosen[i], targetRejected: targetsRejected[i], eta: eta)
        }
        return pairwiseValue(terms, extra: ["sppo/target_chosen": targetsChosen, "sppo/target_rejected": targetsRejected])
    }
}

/// SPPO from the single pairwise preference `P(y_w ≻ y_l)` instead of two win-rates:
/// `ℓ = ½[(a − η(P − ½))² + (b + η(P − ½))²]`.
///
/// Wu et al., arXiv 2405.00675, code variant `loss_type="sppo_single"` (`sppo/trainer.py` L878–883): the
/// win-rate against π_t is replaced by the preference against the other response of the pair.
public struct SPPOSingle: PreferenceObjective {
    /// One pair and the preference of its chosen response over its rejected one.
    public struct Example: Sendable, Hashable {
        /// Log-probs; `reference*` are those of π_t.
        public var pair: PreferencePair
        /// `P(y_w ≻ y_l | x)`, the code's `chosen_probs`.
        public var chosenPreference: Double

        /// Creates an example.
        public init(pair: PreferencePair, chosenPreference: Double) {
            self.pair = pair
            self.chosenPreference = chosenPreference
        }
    }

    /// Step size η; default 1000 as ``SPPO``.
    public var eta: Double

    /// Creates the objective; `eta` must be positive.
    public init(eta: Double = 1000) {
        precondition(eta > 0 && eta.isFinite, "SPPO eta must be positive and finite")
        self.eta = eta
    }

    /// Mean regression loss with symmetric targets ±η(P − ½).
    public func evaluate(_ batch: [Example]) -> ObjectiveValue<PairGradient> {
        let targets = batch.map { eta * ($0.chosenPreference - 0.5) }
        let terms = batch.indices.map { i in
            regressionTerm(batch[i].pair, targetChosen: targets[i], targetRejected: -targets[i], eta: eta)
        }
        return pairwiseValue(terms, extra: ["sppo/target_chosen": targets, "sppo/target_rejected": targets.map { -$0 }])
    }
}

/// ½[(a − t_w)² + (b − t_l)²] and its gradient; the ½ is the code's `(loss_w + loss_l)/2`.
private func regressionTerm(_ pair: PreferencePair, targetChosen: Double, targetRejected: Double, eta: Double) -> PairTerm {
    let w = pair.chosenLogRatio - targetChosen
    let l = pair.rejectedLogRatio - targetRejected
    return PairTerm(
        loss: (w * w + l * l) / 2,
        gradient: PairGradient(chosen: w, rejected: l),
        rewardChosen: pair.chosenLogRatio / eta,
        rewardRejected: pair.rejectedLogRatio / eta,
        policyChosen: pair.policyChosen,
        policyRejected: pair.policyRejected
    )
}

/// SPPO's data step for one prompt: K responses scored by a pairwise reward model, turned into a
/// preference matrix and the (best, worst) pair with its win-rate estimates.
///
/// uclaml/SPPO `scripts/compute_prob.py` L45, L84–97: `P(y_i ≻ y_j) = σ(s_i − s_j)`, and
/// `P̂(y ≻ π_t) = (1/K) Σ_j P(y ≻ y_j)` **including j = y itself** (which contributes ½), as the code does.
public struct SPPOWinRates: Sendable, Hashable {
    /// `P(y_i ≻ y_j) = σ(s_i − s_j)`, K×K.
    public var preferences: [[Double]]
    /// Index of the highest score (first on ties, as `argmax`): the chosen response.
    public var chosenIndex: Int
    /// Index of the lowest score (first on ties, as `argmin`): the rejected response.
    public var rejectedIndex: Int

    /// Builds the matrix from K ≥ 2 scores (the pipeline uses K = 5).
    public init(scores: [Double]) {
        precondition(scores.count >= 2, "SPPO needs at least two responses per prompt")
        preferences = scores.map { si in scores.map { sj in sigmoid(si - sj) } }
        // Strict comparisons keep the first index on ties, as numpy's argmax/argmin.
        var best = 0
        var worst = 0
        for i in scores.indices {
            if scores[i] > scores[best] { best = i }
            if scores[i] < scores[worst] { worst = i }
        }
        chosenIndex = best
        rejectedIndex = worst
    }

    /// `P̂(y_i ≻ π_t)`: row mean of the matrix.
    public func winRate(of i: Int) -> Double {
        preferences[i].reduce(0, +) / Double(preferences.count)
    }

    /// `P(y_w ≻ y_l)`, the code's `chosen_probs`.
    public var chosenPreference: Double { preferences[chosenIndex][rejectedIndex] }
    /// `P̂(y_w ≻ π_t)`, the code's `chosen_probs_win`.
    public var chosenWinRate: Double { winRate(of: chosenIndex) }
    /// `P̂(y_l ≻ π_t)`, the code's `chosen_probs_lose`.
    public var rejectedWinRate: Double { winRate(of: rejectedIndex) }
}
