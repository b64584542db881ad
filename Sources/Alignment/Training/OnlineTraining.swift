import Policy
import Tensor

extension TrainingRun {
    /// One step of an online iterative algorithm. At the start of each phase the frozen models are set
    /// (π_t ← πθ at an iteration start; Nash-MP's π_{k+½} ← πθ at its second phase, which warm-starts from
    /// θ_{k+½}: the paper leaves the warm start open and the prox target does not depend on it, docs/ALGORITHMS.md §5.2), and
    /// regression algorithms build that phase's dataset once, with π_ref and π_t log-probs cached.
    func onlineStep(_ s: Int) throws -> [String: Double] {
        let (iteration, phase, inner) = position(s)
        let phaseIndex = spec.algorithm == .nashMP ? 2 * iteration + phase : iteration
        do {
            if inner == 0 && phase == 0 && spec.algorithm != .nashMD {
                anchor = try Rollouts.frozenCopy(policy)
                half = nil
                pairsPhase = -1
            } else if inner == 0 && phase == 1 {
                half = try Rollouts.frozenCopy(policy)
                pairsPhase = -1
            }
        }
        var metrics: [String: Double]
        if usesPolicyGradient {
            metrics = try policyGradientStep(s, phase: phase)
        } else {
            if pairsPhase != phaseIndex {
                pairs = try onlinePairs(phaseIndex: phaseIndex, phase: phase)
                pairsPhase = phaseIndex
            }
            if pairs.isEmpty {
                // Nothing informative was sampled (all pairs identical): no gradient, no update.
                metrics = ["loss": 0, "grad_norm": 0]
            } else {
                metrics = try pairStep(s)
            }
        }
        metrics["iteration"] = Double(iteration + 1)
        if spec.algorithm == .nashMP { metrics["nash_mp/phase"] = Double(phase) }
        return metrics
    }

    /// Nash-MD, and Nash-MP with policy-gradient prox steps, learn from fresh samples each step, not from a phase's pairs.
    var usesPolicyGradient: Bool {
        switch spec.method {
        case .nashMD: true
        case .nashMP(let h): h.proxSolver == .policyGradient
        default: false
        }
    }

    /// Samples per prompt of a regression phase (K).
    var samplesPerPrompt: Int {
        switch spec.method {
        case .sppo(let h): h.samplesPerPrompt
        case .inpo(let h): h.samplesPerPrompt
        case .nashMP(let h): h.samplesPerPrompt
        case .sft, .dpo, .nashMD, .ppo, .rloo, .grpo: 2
        }
    }

    /// This phase's prompts: `prompts_per_iteration` training prompts drawn with replacement.
    func phasePrompts(_ set: PromptSet, phaseIndex: Int) -> [String] {
        let all = set.trainPrompts
        var rng = RNG(seed: Seeds.derive(spec.seed, Seeds.prompts, phaseIndex))
        return (0..<(spec.schedule?.promptsPerIteration ?? 0)).map { _ in all[Int(rng.next() % UInt64(max(all.count, 1)))] }
    }

    /// The regression data of one phase, sampled from the phase's opponent (π_t; π_{k+½} in Nash-MP's
    /// second phase) with frozen log-probs cached.
    func onlinePairs(phaseIndex: Int, phase: Int) throws -> [PairRecord] {
        guard let set = promptSet, let judge = pairJudge else {
            throw TrainingSpecError(field: "task", message: "\(spec.algorithm.rawValue) needs a task or a prompt dataset with a judge")
        }
        guard let sampler = phase == 1 ? half : anchor else {
            throw TrainingSpecError(field: "resume", message: "checkpoint lacks the frozen iterate of its phase")
        }
        let prompts = phasePrompts(set, phaseIndex: phaseIndex)
        let k = samplesPerPrompt
        var records: [PairRecord]
        if spec.algorithm == .sppo {
            records = try sppoPairs(set: set, judge: judge, sampler: sampler, prompts: prompts, k: k, phaseIndex: phaseIndex)
            phaseMetrics = [
                "sppo/win_rate_chosen": mean(records.map(\.winChosen)),
                "sppo/win_rate_rejected": mean(records.map(\.winRejected)),
            ]
        } else {
            records = try labelledPairs(set: set, judge: judge, sampler: sampler, prompts: prompts, samplesPerPrompt: k, phase: phaseIndex + 1)
            phaseMetrics = [:]
        }
        phaseMetrics["data/pairs"] = Double(records.count)
        try cacheFrozenLogProbs(&records, withAnchor: true)
        return records
    }

    /// SPPO's data step: K samples per prompt from π_t, win rates `P̂(y ≻ π_t)` from the oracle's K×K matrix
    /// (diagonal ½ included), and the (best, worst) pair with their win rates (uclaml/SPPO `compute_prob.py`).
    func sppoPairs(set: PromptSet, judge: any BatchJudge, sampler: GPT, prompts: [String], k: Int, phaseIndex: Int) throws -> [PairRecord] {
        let rollouts = try Rollouts.sample(sampler, prompts: prompts, count: k, parameters: samplingParameters(set.sampling),
                                           seed: Seeds.derive(spec.seed, Seeds.dataset, phaseIndex + 1), tokenizer: tokenizer)
        let allRates = try Self.winRates(judge, prompts: prompts, responses: rollouts.map { $0.map(\.text) })
        return prompts.enumerated().compactMap { i, prompt in
            let rates = allRates[i]
            // A prompt none of whose pairs got a verdict says nothing about its samples.
            guard !rates.contains(where: \.isNaN) else { return nil }
            // First index on ties, as numpy's argmax/argmin.
            var best = 0, worst = 0
            for j in rates.indices {
                if rates[j] > rates[best] { best = j }
                if rates[j] < rates[worst] { worst = j }
            }
            return PairRecord(prompt: prompt, chosen: rollouts[i][best].tokens, rejected: rollouts[i][worst].tokens,
                              winChosen: rates[best], winRejected: rates[worst])
        }
    }

    /// `P̂(y_i ≻ π)` per prompt from one batched call for every pair i < j of its K samples: row means of the
    /// K×K matrix including the diagonal's ½, summed in the same order as ``PairwiseJudge/winRates(prompt:responses:)``.
    static func winRates(_ judge: any BatchJudge, prompts: [String], responses: [[String]]) throws -> [[Double]] {
        var ps: [String] = [], a: [String] = [], b: [String] = []
        for (prompt, ys) in zip(prompts, responses) {
            for i in ys.indices {
                for j in ys.indices where j > i {
                    ps.append(prompt)
                    a.append(ys[i])
                    b.append(ys[j])
                }
            }
        }
        let p = try judge.probabilities(prompts: ps, a: a, b: b)
        guard p.count == ps.count else { throw TrainingSpecError(field: "judge", message: "\(p.count) verdicts for \(ps.count) pairs") }
        var next = 0
        return responses.map { ys in
            let k = ys.count
            var rates = [Double](repeating: 0, count: k)
            // Pairs without a verdict (NaN) are left out of both rows' means: each row averages what was judged.
            var counts = [Double](repeating: 1, count: k)
            var judged = false
            for i in 0..<k {
                for j in 0..<k where j > i {
                    if !p[next].isNaN {
                        rates[i] += p[next]
                        rates[j] += 1 - p[next]
                        counts[i] += 1
                        counts[j] += 1
                        judged = true
                    }
                    next += 1
                }
                rates[i] += 0.5
            }
            guard k > 0 else { return [] }
            guard judged || k == 1 else { return [Double](repeating: .nan, count: k) }
            return rates.indices.map { rates[$0] / counts[$0] }
        }
    }
}
