import Policy
import Tensor

/// One training pair with everything frozen already computed: log-probs under π_ref and (online) under the
/// previous iterate / anchor, computed once per dataset (offline) or per phase (online), never per step.
struct PairRecord: Sendable {
    var prompt: String
    var chosen: [Int32]
    var rejected: [Int32]
    var referenceChosen = 0.0, referenceRejected = 0.0
    var anchorChosen = 0.0, anchorRejected = 0.0
    /// SPPO's `P̂(y_w ≻ π_t)`, `P̂(y_l ≻ π_t)`.
    var winChosen = 0.5, winRejected = 0.5
}

extension TrainingRun {
    /// The offline DPO dataset: the stored pairs, or pairs sampled once from π_ref on the task's training
    /// prompts and labelled by Bernoulli draws from its oracle. Reference log-probs are cached here.
    func offlinePairs() throws -> [PairRecord] {
        let tok = tokenizer
        var records: [PairRecord]
        switch data {
        case .pairs(let stored):
            records = stored.map {
                PairRecord(prompt: $0.prompt, chosen: tok.encode($0.chosen, eos: true), rejected: tok.encode($0.rejected, eos: true))
            }
        case .task, .prompts:
            guard let reference else { throw TrainingSpecError(field: "reference", message: "dpo needs a reference policy") }
            guard case .dpo(let dpo) = spec.method else { throw TrainingSpecError(field: "algorithm", message: "only dpo samples an offline dataset") }
            guard let set = promptSet, let judge = pairJudge else { throw TrainingSpecError(field: "judge", message: "dpo on prompts needs a judge") }
            records = try labelledPairs(set: set, judge: judge, sampler: reference, prompts: set.trainPrompts,
                                        samplesPerPrompt: 2 * dpo.pairsPerPrompt, phase: 0)
        case .examples:
            throw TrainingSpecError(field: "data", message: "dpo needs preference pairs or a task")
        }
        guard !records.isEmpty else {
            throw TrainingSpecError(field: "data", message: "no informative pairs (every sampled pair was identical)")
        }
        try cacheFrozenLogProbs(&records, withAnchor: false)
        return records
    }

    /// Consecutive samples of `sampler` paired and labelled with the oracle (Bernoulli with P(y ≻ y')),
    /// the data of offline DPO-from-task, INPO and Nash-MP regression. Identical sequences carry no
    /// gradient (h ≡ 0 and the two log-prob derivatives cancel), so they are dropped.
    func labelledPairs(set: PromptSet, judge: any BatchJudge, sampler: GPT, prompts: [String], samplesPerPrompt k: Int,
                       phase: Int) throws -> [PairRecord] {
        let rollouts = try Rollouts.sample(sampler, prompts: prompts, count: k, parameters: samplingParameters(set.sampling),
                                           seed: Seeds.derive(spec.seed, Seeds.dataset, phase), tokenizer: tokenizer)
        var ps: [String] = [], a: [String] = [], b: [String] = []
        for (i, prompt) in prompts.enumerated() {
            for j in stride(from: 0, to: k - 1, by: 2) {
                ps.append(prompt)
                a.append(rollouts[i][j].text)
                b.append(rollouts[i][j + 1].text)
            }
        }
        let p = try judge.probabilities(prompts: ps, a: a, b: b)
        guard p.count == ps.count else { throw TrainingSpecError(field: "judge", message: "\(p.count) verdicts for \(ps.count) pairs") }
        // One Bernoulli draw per pair, in order (identical pairs too), as the per-pair oracle call drew them.
        var rng = RNG(seed: Seeds.derive(spec.seed, Seeds.labels, phase))
        var records: [PairRecord] = []
        var next = 0
        for (i, prompt) in prompts.enumerated() {
            for j in stride(from: 0, to: k - 1, by: 2) {
                let a = rollouts[i][j], b = rollouts[i][j + 1]
                let aWins = rng.nextDouble() < p[next]
                next += 1
                // No verdict (NaN): the pair is left out, its draw still taken so later labels stay put.
                if a.tokens == b.tokens || p[next - 1].isNaN { continue }
                let (w, l) = aWins ? (a, b) : (b, a)
                records.append(PairRecord(prompt: prompt, chosen: w.tokens, rejected: l.tokens))
            }
        }
        return records
    }

    /// Fills the π_ref (and, if asked, anchor) log-probs of every record in batched passes.
    func cacheFrozenLogProbs(_ records: inout [PairRecord], withAnchor: Bool) throws {
        let prompts = records.map(\.prompt) + records.map(\.prompt)
        let responses = records.map(\.chosen) + records.map(\.rejected)
        let n = records.count
        if let reference {
            let ref = try Rollouts.logProbs(reference, prompts: prompts, responses: responses, tokenizer: tokenizer).sum
            for i in 0..<n { (records[i].referenceChosen, records[i].referenceRejected) = (ref[i], ref[n + i]) }
        }
        if withAnchor, let anchor {
            let lp = try Rollouts.logProbs(anchor, prompts: prompts, responses: responses, tokenizer: tokenizer).sum
            for i in 0..<n { (records[i].anchorChosen, records[i].anchorRejected) = (lp[i], lp[n + i]) }
        }
    }

    /// One step of a pairwise objective on a batch of ``pairs``: a single batched log-prob pass over the
    /// 2B sequences (chosen then rejected), the objective's analytic gradient, backward, clip, AdamW.
    func pairStep(_ s: Int) throws -> [String: Double] {
        let picks = batchIndices(step: s, count: pairs.count).map { pairs[$0] }
        let tok = tokenizer
        let prompts = picks.map { tok.encode($0.prompt, bos: true) }
        let batch = try tokenizer.batch(prompts: prompts + prompts, responses: picks.map(\.chosen) + picks.map(\.rejected))
        let lp = try policy.sequenceLogProbs(batch)
        let b = picks.count
        let value = try objectiveValue(picks, logps: lp.sum.map { Double($0) }, counts: lp.count)
        policy.zeroGradients()
        policy.backwardLogProbs(dSum: value.gradients.map { Float($0.chosen) } + value.gradients.map { Float($0.rejected) })
        var metrics = value.metrics
        metrics["loss"] = value.loss
        metrics["grad_norm"] = applyGradients()
        // Mean log-ratio to π_ref over the batch's responses: a sample KL estimate when they come from πθ
        // (online), a drift measure on fixed data (offline).
        metrics["kl"] = (0..<b).reduce(0) {
            $0 + Double(lp.sum[$1]) - picks[$1].referenceChosen + Double(lp.sum[b + $1]) - picks[$1].referenceRejected
        } / Double(2 * max(b, 1))
        return metrics.merging(phaseMetrics) { $1 }
    }

    /// The configured pairwise objective on `picks` with policy log-probs `logps` (chosen then rejected).
    func objectiveValue(_ picks: [PairRecord], logps: [Double], counts: [Int]) throws(TrainingSpecError) -> ObjectiveValue<PairGradient> {
        let b = picks.count
        func pair(_ i: Int, frozenChosen: Double, frozenRejected: Double) -> PreferencePair {
            PreferencePair(policyChosen: logps[i], policyRejected: logps[b + i], referenceChosen: frozenChosen,
                           referenceRejected: frozenRejected, chosenTokenCount: counts[i], rejectedTokenCount: counts[b + i])
        }
        let againstReference = picks.indices.map { pair($0, frozenChosen: picks[$0].referenceChosen, frozenRejected: picks[$0].referenceRejected) }
        switch spec.method {
        case .sppo(let h):
            // SPPO regresses to the previous iterate π_t, not π_ref (docs/ALGORITHMS.md §2.1).
            return SPPO(eta: h.eta).evaluate(picks.indices.map {
                SPPOExample(pair: pair($0, frozenChosen: picks[$0].anchorChosen, frozenRejected: picks[$0].anchorRejected),
                            chosenWinRate: picks[$0].winChosen, rejectedWinRate: picks[$0].winRejected)
            })
        case .inpo(let h):
            return INPO(eta: h.eta, tau: h.beta).evaluate(picks.indices.map {
                INPOExample(pair: againstReference[$0], previousChosen: picks[$0].anchorChosen, previousRejected: picks[$0].anchorRejected)
            })
        case .nashMP(let h):
            return NashMPRegression(beta: h.beta, eta: h.eta).evaluate(picks.indices.map {
                NashMPExample(pair: againstReference[$0], anchorChosen: picks[$0].anchorChosen, anchorRejected: picks[$0].anchorRejected)
            })
        case .dpo(let h):
            return dpoValue(h, againstReference)
        case .sft, .nashMD, .ppo, .rloo, .grpo:
            // None trains on pairs: SFT steps through ``sftStep``, Nash-MD through ``policyGradientStep``,
            // PPO, RLOO and GRPO through ``rlStep``.
            throw TrainingSpecError(field: "algorithm", message: "\(spec.algorithm.rawValue) has no pairwise objective")
        }
    }

    /// The configured DPO loss, with RPO's NLL term on the chosen responses when `rpo_alpha` > 0, as in TRL.
    func dpoValue(_ h: DPOHyperparameters, _ pairs: [PreferencePair]) -> ObjectiveValue<PairGradient> {
        let beta = h.beta, eps = h.labelSmoothing, alpha = h.rpoAlpha
        func value<O: PreferenceObjective>(_ objective: O) -> ObjectiveValue<PairGradient>
        where O.Example == PreferencePair, O.Gradient == PairGradient {
            alpha > 0 ? RPO(objective, alpha: alpha).evaluate(pairs) : objective.evaluate(pairs)
        }
        switch h.lossType {
        case .hinge: return value(DPOHinge(beta: beta))
        case .ipo: return value(IPO(beta: beta, normalization: h.ipoNormalization == .sum ? .summed : .perToken))
        case .robust: return value(RobustDPO(beta: beta, labelSmoothing: eps))
        case .sppoHard: return value(SPPOHard(beta: beta))
        case .cdpo: return value(CDPO(beta: beta, labelSmoothing: eps))
        case .sigmoid:
            // TRL ≤ v0.12 semantics: "sigmoid" with label smoothing is cDPO.
            return eps > 0 ? value(CDPO(beta: beta, labelSmoothing: eps)) : value(DPOSigmoid(beta: beta))
        }
    }

    /// One SFT step: mean token NLL of a batch of examples (the recipe of ``SFT/train``), clip, AdamW.
    func sftStep(_ s: Int) throws -> [String: Double] {
        let examples: [SFTExample]
        switch data {
        case .examples(let e): examples = e
        case .task(let t): examples = t.sftExamples
        case .pairs, .prompts: throw TrainingSpecError(field: "data", message: "sft needs examples or a task")
        }
        let picks = batchIndices(step: s, count: examples.count).map { examples[$0] }
        let lp = try policy.sequenceLogProbs(try tokenizer.batch(prompts: picks.map(\.prompt), responses: picks.map(\.response)))
        let tokens = max(1, lp.count.reduce(0, +))
        policy.zeroGradients()
        policy.backwardLogProbs(dSum: [Float](repeating: -1 / Float(tokens), count: picks.count))
        let loss = -lp.sum.reduce(0) { $0 + Double($1) } / Double(tokens)
        return ["loss": loss, "grad_norm": applyGradients(), MetricKey.logpsChosen: mean(lp.sum.map { Double($0) })]
    }
}
