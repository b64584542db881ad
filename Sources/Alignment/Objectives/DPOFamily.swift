// The offline DPO family as TRL and OpenRLHF expose it (docs/ALGORITHMS.md §1). Every loss here is a function
// of the pair's two log-ratios `a`, `b` to the frozen reference; most only of the margin `Δ = a − b`.
// Convention for all of them: rewards/* are TRL's `β·a`, `β·b` (dpo_trainer.py L1634), batch loss is the mean.

/// The per-pair term of a loss that depends on the margin Δ = a − b only.
/// `dLossdDelta` is ∂ℓ/∂Δ; since Δ = log πθ(y_w) − log πθ(y_l) − const, ∂ℓ/∂log πθ(y_w) = −∂ℓ/∂log πθ(y_l) = ∂ℓ/∂Δ.
private func marginTerm(_ pair: PreferencePair, beta: Double, loss: Double, dLossdDelta: Double) -> PairTerm {
    PairTerm(
        loss: loss,
        gradient: PairGradient(chosen: dLossdDelta, rejected: -dLossdDelta),
        rewardChosen: beta * pair.chosenLogRatio,
        rewardRejected: beta * pair.rejectedLogRatio,
        policyChosen: pair.policyChosen,
        policyRejected: pair.policyRejected
    )
}

/// DPO with the logistic (Bradley–Terry) loss: `ℓ = −log σ(β Δ)`, `Δ = a − b`.
///
/// Rafailov et al., "Direct Preference Optimization", arXiv 2305.18290, Eq. 7; TRL `loss_type="sigmoid"`
/// (`dpo_trainer.py` L1435). `∂ℓ/∂Δ = −β σ(−βΔ)`. Convention: summed completion log-probs, reference frozen.
public struct DPOSigmoid: PreferenceObjective {
    /// KL-to-reference coefficient β; TRL `DPOConfig.beta` default 0.1 (the DPO paper's setting).
    public var beta: Double

    /// Creates the objective; `beta` must be positive (validate user input before constructing).
    public init(beta: Double = 0.1) {
        precondition(beta > 0 && beta.isFinite, "DPO beta must be positive and finite")
        self.beta = beta
    }

    /// Mean `−log σ(βΔ)` over the batch, with TRL metrics.
    public func evaluate(_ batch: [PreferencePair]) -> ObjectiveValue<PairGradient> {
        pairwiseValue(batch.map { pair in
            let z = beta * (pair.chosenLogRatio - pair.rejectedLogRatio)
            return marginTerm(pair, beta: beta, loss: -logSigmoid(z), dLossdDelta: -beta * sigmoid(-z))
        })
    }
}

/// The SLiC hinge loss on the DPO margin: `ℓ = max(0, 1 − βΔ)`.
///
/// Zhao et al., "SLiC-HF: Sequence Likelihood Calibration with Human Feedback", arXiv 2305.10425 (calibration
/// loss, margin δ = 1/β); TRL `loss_type="hinge"` (`dpo_trainer.py` L1438). Convention: at the kink `βΔ = 1`
/// the gradient is 0, as `torch.relu`'s subgradient.
public struct DPOHinge: PreferenceObjective {
    /// Scale of the margin; TRL default 0.1 (so the hinge is at Δ = 10 nats).
    public var beta: Double

    /// Creates the objective; `beta` must be positive.
    public init(beta: Double = 0.1) {
        precondition(beta > 0 && beta.isFinite, "hinge beta must be positive and finite")
        self.beta = beta
    }

    /// Mean `max(0, 1 − βΔ)` over the batch.
    public func evaluate(_ batch: [PreferencePair]) -> ObjectiveValue<PairGradient> {
        pairwiseValue(batch.map { pair in
            let slack = 1 - beta * (pair.chosenLogRatio - pair.rejectedLogRatio)
            return marginTerm(pair, beta: beta, loss: max(0, slack), dLossdDelta: slack > 0 ? -beta : 0)
        })
    }
}

/// Identity preference optimisation: `ℓ = (Δ − 1/(2β))²`, regressing the margin to a finite target.
///
/// Azar et al., "A General Theoretical Paradigm to Understand Learning from Human Preferences",
/// arXiv 2310.12036, empirical IPO loss (Eq. 17). Here β is the paper's τ (TRL's naming).
/// Whether Δ uses summed or per-token-averaged log-probs differs between libraries (docs/ALGORITHMS.md §1.2),
/// so ``normalization`` has no default and must be chosen.
public struct IPO: PreferenceObjective {
    /// How the two log-ratios enter the margin.
    public enum Normalization: Sendable, Hashable {
        /// `Δ = a − b` on summed log-probs: OpenRLHF and TRL before PR #1265.
        case summed
        /// `Δ̄ = a/|y_w| − b/|y_l|`, token counts clamped to ≥ 1 (TRL today, `dpo_trainer.py` L1440–1451);
        /// requires ``PreferencePair/chosenTokenCount`` and ``PreferencePair/rejectedTokenCount``.
        case perToken
    }

    /// Regularisation τ; the target margin is `1/(2β)`. TRL default 0.1.
    public var beta: Double
    /// Summed or per-token margin.
    public var normalization: Normalization

    /// Creates the objective; `beta` must be positive.
    public init(beta: Double = 0.1, normalization: Normalization) {
        precondition(beta > 0 && beta.isFinite, "IPO beta must be positive and finite")
        self.beta = beta
        self.normalization = normalization
    }

    /// Mean squared distance of the (normalised) margin to `1/(2β)`.
    public func evaluate(_ batch: [PreferencePair]) -> ObjectiveValue<PairGradient> {
        pairwiseValue(batch.map { pair in
            // Chain rule factors ∂Δ̄/∂log πθ(y): 1 when summed, 1/|y| when averaged.
            let (scaleChosen, scaleRejected): (Double, Double)
            switch normalization {
            case .summed:
                (scaleChosen, scaleRejected) = (1, 1)
            case .perToken:
                guard let w = pair.chosenTokenCount, let l = pair.rejectedTokenCount else {
                    preconditionFailure("per-token IPO needs chosenTokenCount and rejectedTokenCount")
                }
                // Clamp as TRL does: a completion truncated to 0 tokens would otherwise give NaN (TRL#1033).
                (scaleChosen, scaleRejected) = (1 / Double(max(w, 1)), 1 / Double(max(l, 1)))
            }
            let error = scaleChosen * pair.chosenLogRatio - scaleRejected * pair.rejectedLogRatio - 1 / (2 * beta)
            return PairTerm(
                loss: error * error,
                gradient: PairGradient(chosen: 2 * error * scaleChosen, rejected: -2 * error * scaleRejected),
                rewardChosen: beta * pair.chosenLogRatio,
                rewardRejected: beta * pair.rejectedLogRatio,
                policyChosen: pair.policyChosen,
                policyRejected: pair.policyRejected
            )
        })
    }
}

/// Conservative DPO: the DPO loss with label smoothing ε, `ℓ = −(1−ε) log σ(βΔ) − ε log σ(−βΔ)`.
///
/// Mitchell, "A note on DPO with noisy preferences and relationship to IPO" (2023, no arXiv id); TRL ≤ v0.12
/// `"sigmoid"` with `label_smoothing`, OpenRLHF `DPOLoss`, uclaml/SPPO. ε is the probability a label is flipped.
/// `∂ℓ/∂Δ = −(1−ε) β σ(−βΔ) + ε β σ(βΔ)`.
public struct CDPO: PreferenceObjective {
    /// KL coefficient; default 0.1.
    public var beta: Double
    /// Label-flip probability ε ∈ [0, 0.5]; default 0 would be plain DPO, so the common 0.1 is not assumed.
    public var labelSmoothing: Double

    /// Creates the objective; `labelSmoothing` must lie in [0, 0.5].
    public init(beta: Double = 0.1, labelSmoothing: Double) {
        precondition(beta > 0 && beta.isFinite, "cDPO beta must be positive and finite")
        precondition(labelSmoothing >= 0 && labelSmoothing <= 0.5, "cDPO label smoothing must be in [0, 0.5]")
        self.beta = beta
        self.labelSmoothing = labelSmoothing
    }

    /// Mean smoothed logistic loss.
    public func evaluate(_ batch: [PreferencePair]) -> ObjectiveValue<PairGradient> {
        let eps = labelSmoothing
        return pairwiseValue(batch.map { pair in
            let z = beta * (pair.chosenLogRatio - pair.rejectedLogRatio)
            let loss = -(1 - eps) * logSigmoid(z) - eps * logSigmoid(-z)
            let d = -(1 - eps) * beta * sigmoid(-z) + eps * beta * sigmoid(z)
            return marginTerm(pair, beta: beta, loss: loss, dLossdDelta: d)
        })
    }
}

/// Robust DPO: the unbiased loss under label noise ε, `ℓ = [−(1−ε) log σ(βΔ) + ε log σ(−βΔ)] / (1 − 2ε)`.
///
/// Chowdhury et al., "Provably Robust DPO: Aligning Language Models with Noisy Feedback", arXiv 2403.00409
/// (the debiased loss); TRL `loss_type="robust"`. Unlike ``CDPO`` the ε term enters with a **plus** sign,
/// so ℓ can be negative. `∂ℓ/∂Δ = [−(1−ε) β σ(−βΔ) − ε β σ(βΔ)] / (1 − 2ε)`.
public struct RobustDPO: PreferenceObjective {
    /// KL coefficient; default 0.1.
    public var beta: Double
    /// Assumed label-flip rate ε ∈ [0, 0.5); at 0.5 the estimator divides by zero.
    public var labelSmoothing: Double

    /// Creates the objective; `labelSmoothing` must lie in [0, 0.5).
    public init(beta: Double = 0.1, labelSmoothing: Double) {
        precondition(beta > 0 && beta.isFinite, "robust DPO beta must be positive and finite")
        precondition(labelSmoothing >= 0 && labelSmoothing < 0.5, "robust DPO label smoothing must be in [0, 0.5)")
        self.beta = beta
        self.labelSmoothing = labelSmoothing
    }

    /// Mean debiased logistic loss.
    public func evaluate(_ batch: [PreferencePair]) -> ObjectiveValue<PairGradient> {
        let eps = labelSmoothing
        return pairwiseValue(batch.map { pair in
            let z = beta * (pair.chosenLogRatio - pair.rejectedLogRatio)
            let loss = (-(1 - eps) * logSigmoid(z) + eps * logSigmoid(-z)) / (1 - 2 * eps)
            let d = (-(1 - eps) * beta * sigmoid(-z) - eps * beta * sigmoid(z)) / (1 - 2 * eps)
            return marginTerm(pair, beta: beta, loss: loss, dLossdDelta: d)
        })
    }
}

/// SPPO with hard labels (`P(y_w ≻ π) = 1`, `P(y_l ≻ π) = 0`): `ℓ = (a − 1/(2β))² + (b + 1/(2β))²`.
///
/// Wu et al., "Self-Play Preference Optimization", arXiv 2405.00675, the SPPO regression with η = 1/β and
/// win-rates replaced by labels; TRL `loss_type="sppo_hard"` (`dpo_trainer.py` L1485–1492, after PR #1615).
/// Convention: TRL's, i.e. no ½ factor, and the log-ratios are to π_ref (the caller may pass π_t instead).
public struct SPPOHard: PreferenceObjective {
    /// Inverse step size 1/η; TRL default 0.1 (the SPPO paper index uses 0.001).
    public var beta: Double

    /// Creates the objective; `beta` must be positive.
    public init(beta: Double = 0.1) {
        precondition(beta > 0 && beta.isFinite, "sppo_hard beta must be positive and finite")
        self.beta = beta
    }

    /// Mean of the two squared regression errors.
    public func evaluate(_ batch: [PreferencePair]) -> ObjectiveValue<PairGradient> {
        pairwiseValue(batch.map { pair in
            let winner = pair.chosenLogRatio - 0.5 / beta
            let loser = pair.rejectedLogRatio + 0.5 / beta
            return PairTerm(
                loss: winner * winner + loser * loser,
                gradient: PairGradient(chosen: 2 * winner, rejected: 2 * loser),
                rewardChosen: beta * pair.chosenLogRatio,
                rewardRejected: beta * pair.rejectedLogRatio,
                policyChosen: pair.policyChosen,
                policyRejected: pair.policyRejected
            )
        })
    }
}
