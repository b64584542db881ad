/// How one hyperparameter is checked, with its default.
struct HyperRule: Sendable {
    enum Kind: Sendable {
        /// A finite number in `range` (`openLow`: strictly above the lower bound).
        case number(ClosedRange<Double>, openLow: Bool)
        /// A whole number in `minimum...maximum`.
        case count(minimum: Int, maximum: Int)
        /// One of the listed strings.
        case choice([String])
    }

    var kind: Kind
    var defaultValue: HyperValue

    static func positive(_ d: Double, max: Double = .greatestFiniteMagnitude) -> HyperRule {
        HyperRule(kind: .number(0...max, openLow: true), defaultValue: .number(d))
    }
    static func fraction(_ d: Double, max: Double = 1) -> HyperRule {
        HyperRule(kind: .number(0...max, openLow: false), defaultValue: .number(d))
    }
    /// `maximum` bounds what a count costs in memory: sizes of one batch or one iteration's data are
    /// capped well below what would exhaust the machine; step counts only cost time (runs can be cancelled).
    static func count(_ d: Int, minimum: Int = 1, maximum: Int = 1_000_000) -> HyperRule {
        HyperRule(kind: .count(minimum: minimum, maximum: maximum), defaultValue: .number(Double(d)))
    }
    static func choice(_ d: String, _ options: [String]) -> HyperRule {
        HyperRule(kind: .choice(options), defaultValue: .string(d))
    }

    func check(_ value: HyperValue, field: String) throws(TrainingSpecError) {
        switch (kind, value) {
        case let (.number(range, openLow), .number(x)):
            guard x.isFinite else { throw TrainingSpecError(field: field, message: "must be a finite number") }
            guard range.contains(x), !(openLow && x == range.lowerBound) else {
                let low = openLow ? "> \(range.lowerBound)" : "≥ \(range.lowerBound)"
                let high = range.upperBound < .greatestFiniteMagnitude ? " and ≤ \(range.upperBound)" : ""
                throw TrainingSpecError(field: field, message: "must be \(low)\(high), got \(x)")
            }
        case let (.count(minimum, maximum), .number(x)):
            guard x.isFinite, x == x.rounded(), x >= Double(minimum), x <= Double(maximum) else {
                throw TrainingSpecError(field: field, message: "must be a whole number in \(minimum)...\(maximum)")
            }
        case let (.choice(options), .string(s)):
            guard options.contains(s) else {
                throw TrainingSpecError(field: field, message: "must be one of \(options.joined(separator: ", ")), got '\(s)'")
            }
        case (.number, _), (.count, _):
            throw TrainingSpecError(field: field, message: "must be a number")
        case (.choice, _):
            throw TrainingSpecError(field: field, message: "must be a string")
        }
    }
}

extension TrainingSpec {
    /// Hyperparameters per algorithm with their defaults (tiny-CPU scale; the papers' LLM values in comments).
    ///
    /// - every algorithm: `learning_rate` 3e-4 (constant, AdamW), `weight_decay` 0, `batch_size` 16 (DPO 64),
    ///   `max_grad_norm` 1, `checkpoint_every` 20, `eval_samples` 128 (per eval prompt; 0 skips the final evaluation).
    /// - `sft`: `steps` 100 (on a task: the task's ``TextTask/sftConfig`` for whatever is not given).
    /// - `dpo`: `steps` 300, `beta` 0.25, `loss_type` sigmoid|hinge|ipo|cdpo|robust|sppo_hard, `label_smoothing` 0
    ///   (sigmoid with ε > 0 is cDPO, as TRL ≤ 0.12), `rpo_alpha` 0.03 (RPO's NLL term; 0 is TRL's default),
    ///   `ipo_normalization` per_token|sum, and for a task dataset `pairs_per_prompt` 128, `temperature` 1,
    ///   `max_new_tokens` 0 (= the task's cap).
    /// - online (`sppo`, `inpo`, `nash_mp`, `nash_md`): `iterations` 16 (SPPO 8, INPO 12), `steps_per_iteration` 12
    ///   (per prox step for Nash-MP; INPO 24), `prompts_per_iteration` 32 (INPO 64), `temperature` 1, `max_new_tokens` 0.
    /// - `sppo`: `eta` 4 (SPPO's η = 1/β of its code), `samples_per_prompt` 5 (K).
    /// - `inpo`: `beta` 0.1 (INPO's τ), `eta` 2 (OMD step; η·τ ≤ 1), `samples_per_prompt` 4 (two labelled pairs).
    /// - `nash_mp`: `beta` 0.1, `eta` 2 (> 2 warns), `prox_solver` regression|policy_gradient, `samples_per_prompt` 4.
    /// - `nash_md`: `beta` 0.1 (TRL's, the paper's τ), `mixture_coef` 0.5; one fresh batch of `batch_size` prompts per step.
    ///
    /// The step and iteration counts were chosen on the built-in tasks (`make bench-runs`, seeds 1–6): DPO needs
    /// many distinct pairs and large batches, or it overfits a few dozen pairs and pushes probability onto
    /// malformed strings (likelihood displacement); INPO and Nash-MP need 12–16 iterations to get near the
    /// regularised equilibrium of the cyclic task, and INPO's single regression per iteration needs twice the
    /// steps and prompts of a Nash-MP prox step before its iterates stop jittering; SPPO's last iterate cycles
    /// around the equilibrium (docs/ALGORITHMS.md §2.5), so it stops at 8, after the first, improving swing.
    static func schema(for algorithm: TrainingAlgorithm) -> [String: HyperRule] {
        // Shared by every algorithm. lr 3e-4 with AdamW suits ~100k-parameter policies (TRL: 5e-7…1e-6 for LLMs);
        // weight decay 0 so nothing but the objective pulls the policy away from its initialisation.
        var rules: [String: HyperRule] = [
            "learning_rate": .positive(3e-4, max: 1),
            "weight_decay": .fraction(0),
            "batch_size": .count(16, maximum: 512),
            "max_grad_norm": .positive(1),
            "checkpoint_every": .count(20),
            // Samples per eval prompt for the final evaluation; 0 skips it.
            "eval_samples": .count(128, minimum: 0, maximum: 1024),
        ]
        // Sampling of online data: temperature and a cap on new tokens (0 = the task's own cap).
        let sampling: [String: HyperRule] = [
            "temperature": .positive(1, max: 10),
            "max_new_tokens": .count(0, minimum: 0, maximum: 256),
        ]
        let online: [String: HyperRule] = [
            "iterations": .count(16),
            "steps_per_iteration": .count(12),
            "prompts_per_iteration": .count(32, maximum: 512),
        ]
        switch algorithm {
        case .sft:
            rules["steps"] = .count(100)
        case .dpo:
            rules.merge(sampling) { $1 }
            rules["steps"] = .count(300)
            rules["batch_size"] = .count(64, maximum: 512)
            // TRL's β = 0.1 asks for margins of tens of nats; a tiny policy reaches them by pushing both
            // responses down (mass leaks to unseen strings, the win rate falls). β = 0.25 keeps margins at a
            // few nats while still letting the policy reach its Bradley–Terry favourite.
            rules["beta"] = .positive(0.25)
            rules["loss_type"] = .choice("sigmoid", ["sigmoid", "hinge", "ipo", "cdpo", "robust", "sppo_hard"])
            rules["label_smoothing"] = .fraction(0, max: 0.5)
            // RPO's NLL weight on the chosen responses (TRL `rpo_alpha`, default None = 0 = off; the RPO paper
            // uses 1). A small weight keeps the chosen responses likely, so the margin grows by the rejected one
            // falling rather than by both falling and mass leaking to malformed strings: on the built-in tasks
            // 0.03 lifts DPO's worst seed on `arithmetic` from 0.51 to 0.54 and cuts malformed `styles` answers
            // from 9–25% to 5–10%, while the policy still collapses onto the Bradley–Terry favourite.
            rules["rpo_alpha"] = .fraction(0.03, max: 100)
            // TRL averages per token for IPO, OpenRLHF sums; the API makes the user-visible default explicit.
            rules["ipo_normalization"] = .choice("per_token", ["per_token", "sum"])
            // Offline dataset from a task: pairs sampled from π_ref per training prompt.
            rules["pairs_per_prompt"] = .count(128, maximum: 256)
        case .sppo:
            rules.merge(sampling) { $1 }
            rules.merge(online) { $1 }
            rules["iterations"] = .count(8)
            rules["samples_per_prompt"] = .count(5, minimum: 2, maximum: 64)   // K = 5 as the SPPO pipeline
            rules["eta"] = .positive(4)                            // SPPO code: 1/beta = 1000 for LLMs
        case .inpo:
            rules.merge(sampling) { $1 }
            rules.merge(online) { $1 }
            rules["iterations"] = .count(12)
            rules["steps_per_iteration"] = .count(24)
            rules["prompts_per_iteration"] = .count(64, maximum: 512)
            rules["samples_per_prompt"] = .count(4, minimum: 2, maximum: 64)   // consecutive samples form labelled pairs
            rules["beta"] = .positive(0.1)                         // INPO's τ (KL to π_ref)
            rules["eta"] = .positive(2)                            // OMD step η; requires η·τ ≤ 1
        case .nashMP:
            rules.merge(sampling) { $1 }
            rules.merge(online) { $1 }
            rules["samples_per_prompt"] = .count(4, minimum: 2, maximum: 64)
            rules["beta"] = .positive(0.1)
            rules["eta"] = .positive(2)                            // ≤ 2 for the linear rate (warning above)
            rules["prox_solver"] = .choice("regression", ["regression", "policy_gradient"])
        case .nashMD:
            rules.merge(sampling) { $1 }
            rules.merge(online) { $1 }
            rules["beta"] = .positive(0.1)                         // TRL NashMDConfig.beta (the paper's τ)
            rules["mixture_coef"] = .fraction(0.5)                 // TRL default, ητ
        }
        return rules
    }
}
