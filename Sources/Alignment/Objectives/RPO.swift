/// A DPO-family loss plus a negative log-likelihood term on the chosen responses:
/// `L = L_base + α · NLL(y_w)`, where `NLL = −Σ_i log πθ(y_w,i) / Σ_i |y_w,i|` is the token-mean
/// cross-entropy of the batch's chosen completions.
///
/// Pang et al., "Iterative Reasoning Preference Optimization", arXiv 2404.19733, Eq. 1 (`L_DPO+NLL`; the
/// paper normalises the NLL by length and uses α = 1); TRL `DPOConfig.rpo_alpha` (`dpo_trainer.py`: the
/// batch's token-mean cross-entropy, added to every pair's loss before the mean). Why: a pairwise margin can
/// grow by pushing *both* responses down, which moves probability onto strings neither response resembles;
/// the NLL term keeps the chosen responses likely, so the margin grows by the rejected one falling.
/// Convention: the NLL gradient is per batch (every chosen sequence gets `−α / Σ|y_w|`), not per pair.
public struct RPO<Base: PreferenceObjective>: PreferenceObjective
where Base.Example == PreferencePair, Base.Gradient == PairGradient {
    /// The pairwise loss the NLL term is added to.
    public var base: Base
    /// Weight α of the NLL term; TRL default `None` (off), the paper's 1.
    public var alpha: Double

    /// Creates the objective; `alpha` must be finite and non-negative.
    public init(_ base: Base, alpha: Double) {
        precondition(alpha >= 0 && alpha.isFinite, "RPO alpha must be finite and non-negative")
        self.base = base
        self.alpha = alpha
    }

    /// The base value with `α · NLL` added to every pair's loss and to the chosen gradients; metric `nll_loss`.
    /// Pairs without ``PreferencePair/chosenTokenCount`` count one token (clamped to ≥ 1, as TRL's mask).
    public func evaluate(_ batch: [PreferencePair]) -> ObjectiveValue<PairGradient> {
        var value = base.evaluate(batch)
        let tokens = Double(max(1, batch.reduce(0) { $0 + max(1, $1.chosenTokenCount ?? 1) }))
        let nll = -batch.reduce(0) { $0 + $1.policyChosen } / tokens
        value.losses = value.losses.map { $0 + alpha * nll }
        value.loss += alpha * nll
        for i in value.gradients.indices { value.gradients[i].chosen -= alpha / tokens }
        value.metrics["nll_loss"] = nll
        return value
    }
}
