/// A preference-optimisation loss as a pure function of per-sequence log-probabilities.
///
/// An objective never sees a model: the trainer computes `log πθ(y|x)` (the **sum** of completion-token
/// log-probs, prompt and padding masked out, docs/ALGORITHMS.md §0) and the frozen log-probs the algorithm needs
/// (reference, previous iterate, anchor), hands a batch to ``evaluate(_:)``, and back-propagates
/// ``ObjectiveValue/gradients`` through `log πθ`. Each conforming type implements one algorithm and cites
/// its paper and equation; hyperparameters carry the paper's names.
///
/// ```swift
/// let dpo = DPOSigmoid(beta: 0.1)
/// let value = dpo.evaluate([PreferencePair(policyChosen: -10, policyRejected: -12,
///                                          referenceChosen: -11, referenceRejected: -11.5)])
/// // value.loss, value.gradients[0].chosen, value.metrics["rewards/margins"]
/// ```
public protocol PreferenceObjective: Sendable {
    /// One training example: log-probs of the sequences involved, plus labels or win-rates.
    associatedtype Example: Sendable
    /// `∂ loss / ∂ log πθ` for the trainable sequences (or tokens) of one example.
    associatedtype Gradient: Sendable

    /// The batch loss (mean over examples), its gradient per example, and metrics with TRL names.
    func evaluate(_ batch: [Example]) -> ObjectiveValue<Gradient>
}

/// What an objective returns for one batch.
public struct ObjectiveValue<Gradient: Sendable>: Sendable {
    /// The batch loss: the mean of ``losses``, as TRL's `per_sequence_loss.mean()`.
    public var loss: Double
    /// The loss of each example, in batch order.
    public var losses: [Double]
    /// `∂ loss / ∂ log πθ` of each example, for the **batch** ``loss`` (so each already carries the `1/N`).
    public var gradients: [Gradient]
    /// Batch means keyed by TRL metric names (`rewards/chosen`, `logps/rejected`, …) plus per-algorithm keys.
    public var metrics: [String: Double]

    /// Wraps precomputed values; objectives build this, callers read it.
    public init(loss: Double, losses: [Double], gradients: [Gradient], metrics: [String: Double]) {
        self.loss = loss
        self.losses = losses
        self.gradients = gradients
        self.metrics = metrics
    }
}

extension ObjectiveValue: Equatable where Gradient: Equatable {}

/// `∂ loss / ∂ log πθ(y_w|x)` and `∂ loss / ∂ log πθ(y_l|x)` for one pair.
public struct PairGradient: Sendable, Hashable {
    /// Derivative with respect to the policy log-prob of the chosen (winning) completion.
    public var chosen: Double
    /// Derivative with respect to the policy log-prob of the rejected (losing) completion.
    public var rejected: Double

    /// Creates a gradient from its two components.
    public init(chosen: Double, rejected: Double) {
        self.chosen = chosen
        self.rejected = rejected
    }
}

/// One labelled pair `(x, y_w, y_l)`: summed completion log-probs under the policy and under the frozen
/// model the algorithm regularises towards (π_ref for DPO, INPO and Nash-MP; the previous iterate π_t for SPPO).
public struct PreferencePair: Sendable, Hashable {
    /// `log πθ(y_w|x)`, trainable.
    public var policyChosen: Double
    /// `log πθ(y_l|x)`, trainable.
    public var policyRejected: Double
    /// Frozen log-prob of `y_w` (π_ref, or π_t for SPPO).
    public var referenceChosen: Double
    /// Frozen log-prob of `y_l` (π_ref, or π_t for SPPO).
    public var referenceRejected: Double
    /// Completion tokens of `y_w`; only per-token-normalised IPO reads it.
    public var chosenTokenCount: Int?
    /// Completion tokens of `y_l`; only per-token-normalised IPO reads it.
    public var rejectedTokenCount: Int?

    /// Creates a pair; token counts are needed only by ``IPO`` with ``IPO/Normalization/perToken``.
    public init(
        policyChosen: Double, policyRejected: Double,
        referenceChosen: Double, referenceRejected: Double,
        chosenTokenCount: Int? = nil, rejectedTokenCount: Int? = nil
    ) {
        self.policyChosen = policyChosen
        self.policyRejected = policyRejected
        self.referenceChosen = referenceChosen
        self.referenceRejected = referenceRejected
        self.chosenTokenCount = chosenTokenCount
        self.rejectedTokenCount = rejectedTokenCount
    }

    /// `a = log πθ(y_w) − log π_ref(y_w)`, TRL's `chosen_logratios`.
    public var chosenLogRatio: Double { policyChosen - referenceChosen }
    /// `b = log πθ(y_l) − log π_ref(y_l)`, TRL's `rejected_logratios`.
    public var rejectedLogRatio: Double { policyRejected - referenceRejected }
}

/// Metric keys shared with TRL's trainers, so dashboards and papers read the same names. A key means what
/// TRL logs under it (`dpo_trainer.py`, `online_dpo_trainer.py`, `nash_md_trainer.py`); a quantity TRL does
/// not log gets a name of its own.
public enum MetricKey {
    /// Mean implicit reward of the chosen completions, `β·a` (TRL DPO's `chosen_rewards`).
    public static let rewardsChosen = "rewards/chosen"
    /// Mean implicit reward of the rejected completions, `β·b` (TRL DPO's `rejected_rewards`).
    public static let rewardsRejected = "rewards/rejected"
    /// Mean margin of log-ratios: `β·(a − b)` for pairs (TRL DPO), `Σ(log πθ − log π_ref)` of the sample
    /// for Nash-MD-style policy gradient (TRL Nash-MD's `logps/chosen − logps/rejected`).
    public static let rewardsMargins = "rewards/margins"
    /// Fraction of examples whose ``rewardsMargins`` term is strictly positive (TRL: `margin > 0`).
    public static let rewardsAccuracies = "rewards/accuracies"
    /// Mean `log πθ(y_w)` (policy gradient: `log πθ(y)` of the sample).
    public static let logpsChosen = "logps/chosen"
    /// Mean `log πθ(y_l)` (policy gradient: `log π_ref(y)` of the sample, as TRL Nash-MD logs it).
    public static let logpsRejected = "logps/rejected"
    /// Fraction of samples the judge prefers to their opponent (`P̂(y ≻ y') > ½`); no TRL counterpart.
    public static let winRateEstimate = "objective/win_rate_estimate"
}

/// The per-example part of a pairwise objective: everything ``PreferenceObjective/evaluate(_:)`` needs,
/// so each algorithm states only its own formula.
struct PairTerm {
    var loss: Double
    var gradient: PairGradient
    var rewardChosen: Double
    var rewardRejected: Double
    var policyChosen: Double
    var policyRejected: Double
}

/// Averages per-pair terms into a batch value with the TRL metrics, then merges algorithm-specific means.
func pairwiseValue(_ terms: [PairTerm], extra: [String: [Double]] = [:]) -> ObjectiveValue<PairGradient> {
    let n = Double(max(terms.count, 1))
    var metrics: [String: Double] = [
        MetricKey.rewardsChosen: mean(terms.map(\.rewardChosen)),
        MetricKey.rewardsRejected: mean(terms.map(\.rewardRejected)),
        MetricKey.rewardsMargins: mean(terms.map { $0.rewardChosen - $0.rewardRejected }),
        MetricKey.rewardsAccuracies: mean(terms.map { $0.rewardChosen > $0.rewardRejected ? 1 : 0 }),
        MetricKey.logpsChosen: mean(terms.map(\.policyChosen)),
        MetricKey.logpsRejected: mean(terms.map(\.policyRejected)),
    ]
    for (key, values) in extra { metrics[key] = mean(values) }
    let losses = terms.map(\.loss)
    return ObjectiveValue(
        loss: mean(losses),
        losses: losses,
        // The batch loss is a mean, so each example's gradient is scaled by 1/N here, once.
        gradients: terms.map { PairGradient(chosen: $0.gradient.chosen / n, rejected: $0.gradient.rejected / n) },
        metrics: metrics
    )
}
