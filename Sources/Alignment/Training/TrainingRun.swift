public import Policy
import Tensor

/// One human (or stored) preference: `chosen ≻ rejected` after `prompt`.
public struct TextPair: Sendable, Equatable {
    public var prompt: String
    public var chosen: String
    public var rejected: String

    public init(prompt: String, chosen: String, rejected: String) {
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
    }
}

/// What a run learns from. Offline DPO takes stored pairs or a task (it then samples pairs from π_ref once
/// and labels them with the oracle: DPO stays offline); online algorithms need a task (its oracle is the
/// judge); SFT takes examples or the task's own recipe.
public enum TrainingData: Sendable {
    case task(any TextTask)
    /// The researcher's own prompts: online algorithms and offline DPO sample from them, and the run's
    /// judge (given to ``TrainingRun``) judges.
    case prompts(PromptSet)
    case pairs([TextPair])
    case examples([SFTExample])
}

/// Receives a run's progress. Called on the training thread.
public protocol TrainingObserver: AnyObject {
    /// Called once per optimiser step with TRL-named metrics (eval metrics join the last step); throw to abort.
    func record(step: Int, metrics: [String: Double]) throws
    /// Called every `checkpoint_every` steps and after the last; the file holds the full state.
    func checkpoint(step: Int, file: Safetensors) throws
    /// Polled between steps; true → the run stops by throwing ``TrainingCancelled``.
    var isCancelled: Bool { get }
    /// The largest checkpoint the observer can keep, in bytes; a run whose weights and AdamW moments alone
    /// exceed it does not build its checkpoints (a GPT-2-small run's are 1.5 GB).
    var maxCheckpointBytes: Int { get }
}

extension TrainingObserver {
    public var maxCheckpointBytes: Int { .max }
}

/// Thrown by ``TrainingRun/run(observer:)`` when the observer asked to stop.
public struct TrainingCancelled: Error, Sendable, Equatable {
    public init() {}
}

/// The result of a finished run.
public struct TrainingOutcome {
    /// The trained policy (the same object the run was given).
    public var policy: GPT
    /// Final evaluation (`eval/win_rate`, `eval/win_rate_low`, `eval/win_rate_high`, `eval/exploitability`,
    /// `eval/reference_exploitability`, `eval/kl`) when a task and a reference are available, plus `steps`.
    public var summary: [String: Double]
    /// How `eval/win_rate_low`/`eval/win_rate_high` were computed (``ClusteredBootstrap/method``), when they were.
    public var intervalMethod: String?
    /// Steps run in total (including those before a resume).
    public var steps: Int
}

/// One training run over GPT policies: validated spec + models + data, stepping 1...totalSteps.
///
/// Determinism and resume: every random draw (offline dataset, batch picks, online samples, labels) is
/// seeded by a pure function of (seed, step or phase), so the step number *is* the generator state. A
/// checkpoint stores the policy weights, AdamW moments and step, the step/iteration/phase, and the frozen
/// previous iterate π_t (`anchor.*` tensors) and Nash-MP's half-step policy (`half.*`) when they exist; on
/// resume, the current phase's dataset is re-sampled from those frozen weights, which reproduces it bit for
/// bit, and training continues at step s+1 exactly as the uninterrupted run (same thread count).
public final class TrainingRun {
    public let spec: TrainingSpec
    let policy: GPT
    /// Frozen π_ref (DPO family, INPO, Nash-MP, Nash-MD, evaluation); nil only for SFT without one.
    let reference: GPT?
    let data: TrainingData
    var optimizer: AdamW
    /// Steps completed so far.
    var completed = 0
    /// Frozen previous iterate π_t / Nash-MP anchor π_k of the current iteration.
    var anchor: GPT?
    /// Frozen Nash-MP half-step policy π_{k+½} (second phase only).
    var half: GPT?
    /// The current phase's pairs (online regression) or the offline dataset (DPO), with cached log-probs.
    var pairs: [PairRecord] = []
    /// Which phase ``pairs`` belongs to (-1: none yet; 0 offline).
    var pairsPhase = -1
    /// Metrics describing the current phase's data, merged into each of its steps.
    var phaseMetrics: [String: Double] = [:]
    /// PPO, RLOO and GRPO: where rewards come from (the task's oracle reward unless a reward model is given).
    let scorer: (any RolloutScorer)?
    /// PPO's value model, trained with the policy and checkpointed with it.
    let critic: Critic?
    /// The pairwise judge of online algorithms and of DPO's sampled pairs, when it is not the task's oracle.
    let judge: (any BatchJudge)?
    /// The policy's tokenizer (its checkpoint's, ``StoredTokenizer``); the reference shares it.
    public var tokenizer: any Tokenizer = ByteTokenizer()
    /// Where PPO's critic values and advantages are computed when not in this thread (``AdvantageEstimator``).
    public var advantageEstimator: (any AdvantageEstimator)?

    /// Binds a spec to models and data; checks they fit together (an online algorithm needs a task, DPO a
    /// pairwise dataset, ...), and restores the state of `resumeFrom` if given. The spec is used as given:
    /// SFT on a task takes the task's recipe when the spec is made (``TrainingSpec/init(algorithm:hyperparameters:seed:task:)``).
    /// `reference` defaults to a frozen copy of `policy` (as TRL when no ref model is passed), except on resume.
    ///
    /// PPO, RLOO and GRPO score rollouts with `scorer`, by default the task's oracle reward (a task without a
    /// scalar reward needs a reward model: error on `judge`). PPO's critic starts from `valueModel` (TRL: the
    /// reward model), by default from the starting policy's weights with a fresh head; both are copied.
    public init(spec: TrainingSpec, policy: GPT, reference: GPT?, data: TrainingData,
                resumeFrom: Safetensors? = nil, scorer: (any RolloutScorer)? = nil,
                valueModel: (trunk: GPT, head: ValueHead)? = nil, judge: (any BatchJudge)? = nil) throws(TrainingSpecError) {
        self.spec = spec
        self.policy = policy
        self.data = data
        self.judge = judge
        if case .prompts = data, judge == nil, !spec.algorithm.usesRewards {
            throw TrainingSpecError(field: "judge", message: "\(spec.algorithm.rawValue) on a prompt dataset needs a judge")
        }
        if case .prompts = data, spec.algorithm == .sft {
            throw TrainingSpecError(field: "task", message: "sft trains on examples or a task, not bare prompts")
        }
        policy.requiresGradients = true
        if spec.algorithm.usesRewards {
            if let scorer {
                self.scorer = scorer
            } else if case .task(let task) = data, let rewardTask = task as? any RewardTask {
                self.scorer = OracleRewardScorer(task: rewardTask)
            } else {
                throw TrainingSpecError(field: "judge", message: "\(spec.algorithm.rawValue) needs a scalar reward: a transitive task's oracle or reward_model:<id>")
            }
        } else {
            self.scorer = nil
        }
        if case .ppo = spec.method {
            let trunk: GPT
            do throws(PolicyError) {
                trunk = try Rollouts.frozenCopy(valueModel?.trunk ?? policy)
            } catch {
                throw TrainingSpecError(field: "judge", message: error.message)
            }
            let head = ValueHead(dim: trunk.config.dim, seed: Seeds.derive(spec.seed, Seeds.critic))
            if let given = valueModel?.head {
                guard given.dim == head.dim else {
                    throw TrainingSpecError(field: "judge", message: "value head width \(given.dim) ≠ trunk width \(head.dim)")
                }
                head.parameters.pointer.update(from: given.parameters.pointer, count: head.dim + 1)
            }
            critic = try Critic(trunk: trunk, head: head, learningRate: spec.optimizer.learningRate, weightDecay: spec.optimizer.weightDecay)
        } else {
            critic = nil
        }
        switch (spec.algorithm, data) {
        case (.sft, .pairs):
            throw TrainingSpecError(field: "data", message: "sft trains on examples or a task, not preference pairs")
        case (.dpo, .examples):
            throw TrainingSpecError(field: "data", message: "dpo needs preference pairs or a task")
        case (let a, .pairs) where a.isOnline, (let a, .examples) where a.isOnline:
            throw TrainingSpecError(field: "task", message: "\(a.rawValue) is online: it needs a task whose oracle judges samples")
        default:
            break
        }
        if case .pairs(let p) = data, p.isEmpty {
            throw TrainingSpecError(field: "data", message: "no preference pairs")
        }
        if case .examples(let e) = data, e.isEmpty {
            throw TrainingSpecError(field: "data", message: "no examples")
        }
        if let reference, reference.config != policy.config {
            throw TrainingSpecError(field: "reference", message: "reference architecture differs from the policy's")
        }
        if reference == nil && resumeFrom != nil && spec.algorithm != .sft {
            throw TrainingSpecError(field: "reference", message: "a resumed run needs its reference policy")
        }
        do throws(PolicyError) {
            if let reference {
                self.reference = try Rollouts.frozenCopy(reference)
            } else {
                self.reference = spec.algorithm == .sft ? nil : try Rollouts.frozenCopy(policy)
            }
        } catch {
            throw TrainingSpecError(field: "reference", message: error.message)
        }
        optimizer = AdamW(parameterCount: policy.parameterCount, learningRate: Float(spec.optimizer.learningRate),
                          weightDecay: Float(spec.optimizer.weightDecay))
        if let resumeFrom { try restore(resumeFrom) }
    }

    /// Runs the remaining steps, reporting each to `observer`; returns the policy and the final evaluation.
    public func run(observer: any TrainingObserver) throws -> TrainingOutcome {
        let total = spec.totalSteps
        var summary: [String: Double] = [:]
        var method: String?
        while completed < total {
            if observer.isCancelled { throw TrainingCancelled() }
            let s = completed + 1
            var metrics: [String: Double]
            do {
                metrics = try step(s)
            } catch let pending as any JudgementPending {
                // Step s has changed nothing the checkpoint holds yet (at most its frozen iterate, set from
                // the policy itself), so resuming here samples the very pairs that are out for judgement.
                try observer.checkpoint(step: completed, file: checkpoint())
                throw pending
            }
            completed = s
            metrics["learning_rate"] = Double(optimizer.learningRate)
            metrics["epoch"] = Double(s) / Double(total)
            if s == total {
                (summary, method) = try finalEvaluation()
                metrics.merge(summary) { $1 }
            }
            try observer.record(step: s, metrics: metrics)
            if s % spec.optimizer.checkpointEvery == 0 || s == total, 12 * policy.parameterCount <= observer.maxCheckpointBytes {
                try observer.checkpoint(step: s, file: checkpoint())
            }
        }
        if summary.isEmpty { (summary, method) = try finalEvaluation() }
        summary["steps"] = Double(total)
        return TrainingOutcome(policy: policy, summary: summary, intervalMethod: method, steps: total)
    }

    /// The task, when the data is one.
    var task: (any TextTask)? {
        if case .task(let t) = data { return t }
        return nil
    }

    /// The prompts and sampling of the run's data: the task's, or the prompt dataset's.
    var promptSet: PromptSet? {
        switch data {
        case .task(let t): PromptSet(name: t.name, trainPrompts: t.trainPrompts, evalPrompts: t.evalPrompts, sampling: t.sampling)
        case .prompts(let set): set
        case .pairs, .examples: nil
        }
    }

    /// Who judges sampled pairs: the run's judge, else the task's oracle.
    var pairJudge: (any BatchJudge)? {
        judge ?? task.map { OracleJudge($0.oracle) }
    }

    /// Win rate vs the reference, exploitability and KL on the task's eval prompts; on a prompt dataset,
    /// the judge's win rate, KL, and mean judged rewards. Either way the win rate and KL come from the evaluator
    /// of the evaluations API (``PairEvaluation``, a bootstrap over prompts, docs/ALGORITHMS.md §9.1), whose
    /// interval method is returned beside the numbers.
    func finalEvaluation() throws -> (numbers: [String: Double], intervalMethod: String?) {
        let samples = spec.optimizer.evalSamples
        if case .prompts(let set) = data, let reference, samples > 0, !set.evalPrompts.isEmpty {
            guard let evaluator = judge ?? (scorer as? any BatchJudge), evaluator.judgesEvaluations else { return ([:], nil) }
            let report = try PairEvaluation(samplesPerPrompt: samples, sampling: samplingParameters(set.sampling),
                                            seed: Seeds.derive(spec.seed, Seeds.evaluation, 99))
                .run(model: policy, baseline: reference, prompts: set.evalPrompts, judge: evaluator)
            var summary = ["eval/win_rate": report.winRate, "eval/win_rate_low": report.low, "eval/win_rate_high": report.high,
                           "eval/kl": report.kl]
            if let mine = report.modelMeanReward, let theirs = report.baselineMeanReward {
                summary["eval/reward"] = mine
                summary["eval/reference_reward"] = theirs
            }
            return (summary, report.intervalMethod)
        }
        guard let task, let reference, samples > 0 else { return ([:], nil) }
        var (summary, method) = try Evaluation.summary(policy: policy, reference: reference, task: task, samples: samples,
                                                       seed: Seeds.derive(spec.seed, Seeds.evaluation, 99))
        if spec.algorithm.usesRewards, let rewardTask = task as? any RewardTask {
            summary.merge(try oracleRewards(rewardTask, samples: samples)) { $1 }
        }
        return (summary, method)
    }

    /// One optimiser step of the configured algorithm.
    func step(_ s: Int) throws -> [String: Double] {
        switch spec.algorithm {
        case .sft:
            return try sftStep(s)
        case .dpo:
            if pairsPhase != 0 {
                pairs = try offlinePairs()
                pairsPhase = 0
            }
            return try pairStep(s)
        case .sppo, .inpo, .nashMP, .nashMD:
            return try onlineStep(s)
        case .ppo, .rloo, .grpo:
            return try rlStep(s)
        }
    }

    /// Takes one AdamW step on the gradients accumulated in the policy; returns the pre-clip norm.
    func applyGradients() -> Double {
        let norm = GradientClipping.clip(policy.gradients.pointer, count: policy.parameterCount,
                                         maxNorm: Float(spec.optimizer.maxGradNorm))
        optimizer.update(params: policy.parameters.pointer, grads: policy.gradients.pointer)
        return Double(norm)
    }

    /// Batch indices of step `s` into a dataset of `count` items, drawn with replacement.
    func batchIndices(step s: Int, count: Int) -> [Int] {
        var rng = RNG(seed: Seeds.derive(spec.seed, Seeds.batch, s))
        return (0..<spec.optimizer.batchSize).map { _ in Int(rng.next() % UInt64(max(count, 1))) }
    }

    /// Sampling parameters of online data: the task's (or prompt set's), with the run's temperature and token cap.
    func samplingParameters(_ base: SamplingParameters) -> SamplingParameters {
        var p = base
        p.eos = tokenizer.eosID
        guard let sampling = spec.sampling else { return p }
        p.temperature = Float(sampling.temperature)
        if sampling.maxNewTokens > 0 { p.maxNewTokens = sampling.maxNewTokens }
        return p
    }
}
