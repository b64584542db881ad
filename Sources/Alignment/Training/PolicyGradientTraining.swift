import Policy
import Tensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension TrainingRun {
    /// One REINFORCE step with the ½ baseline (Nash-MD-PG, TRL `nash_md_trainer.py`; Nash-MP's approximate
    /// prox step, docs/ALGORITHMS.md §5.2): y ~ πθ, y' ~ the opponent (Nash-MD: the token-level geometric mixture
    /// of πθ and π_ref; Nash-MP: π_k, then π_{k+½}), P̂ = oracle probability, per-token surrogate gradients.
    /// Fresh samples every step, so the frozen log-probs are computed for this step's samples only.
    func policyGradientStep(_ s: Int, phase: Int) throws -> [String: Double] {
        guard let set = promptSet, let judge = pairJudge, let reference else {
            throw TrainingSpecError(field: "task", message: "\(spec.algorithm.rawValue) needs a task or a prompt dataset with a judge")
        }
        let all = set.trainPrompts
        var rng = RNG(seed: Seeds.derive(spec.seed, Seeds.prompts, s))
        let drawn = (0..<spec.optimizer.batchSize).map { _ in all[Int(rng.next() % UInt64(max(all.count, 1)))] }
        let params = samplingParameters(set.sampling)
        let ys = try Rollouts.sample(policy, prompts: drawn, count: 1, parameters: params,
                                     seed: Seeds.derive(spec.seed, Seeds.sampling, s), tokenizer: tokenizer).map { $0[0] }
        let opponentSeed = Seeds.derive(spec.seed, Seeds.opponent, s)
        let opponents: [Rollout]
        if case .nashMD(let h) = spec.method {
            opponents = try MixtureSampler.sample(policy: policy, reference: reference, prompts: drawn,
                                                  mixture: h.mixtureCoef, parameters: params, seed: opponentSeed, tokenizer: tokenizer)
        } else {
            guard let opponent = phase == 1 ? half : anchor else {
                throw TrainingSpecError(field: "resume", message: "checkpoint lacks the frozen iterate of its phase")
            }
            opponents = try Rollouts.sample(opponent, prompts: drawn, count: 1, parameters: params, seed: opponentSeed,
                                            tokenizer: tokenizer).map { $0[0] }
        }
        let verdicts = try judge.probabilities(prompts: drawn, a: ys.map(\.text), b: opponents.map(\.text))
        guard verdicts.count == drawn.count else { throw TrainingSpecError(field: "judge", message: "\(verdicts.count) verdicts for \(drawn.count) pairs") }
        // Samples without a verdict (NaN: nobody judged them in time) take no part in the step.
        let kept = drawn.indices.filter { !verdicts[$0].isNaN }
        guard !kept.isEmpty else { return ["loss": 0, "grad_norm": 0] }
        let prompts = kept.map { drawn[$0] }, preference = kept.map { verdicts[$0] }
        let responses = kept.map { ys[$0].tokens }
        let refTokens = try Rollouts.logProbs(reference, prompts: prompts, responses: responses, tokenizer: tokenizer).perToken
        let anchorTokens = try anchor.map { try Rollouts.logProbs($0, prompts: prompts, responses: responses, tokenizer: tokenizer).perToken }
        // The policy's pass comes last: its backward must directly follow it.
        let tok = tokenizer
        let lp = try policy.sequenceLogProbs(try tokenizer.batch(prompts: prompts.map { tok.encode($0, bos: true) }, responses: responses))
        var samples: [PolicyGradientSample] = []
        var k = 0
        for i in prompts.indices {
            let mine = lp.perToken[k..<(k + lp.count[i])].map { Double($0) }
            k += lp.count[i]
            let anchorLogps = spec.algorithm == .nashMP ? (anchorTokens?[i] ?? []) : []
            samples.append(PolicyGradientSample(policy: mine, reference: refTokens[i], anchor: anchorLogps, preference: preference[i]))
        }
        let value: ObjectiveValue<[Double]>
        switch spec.method {
        case .nashMD(let h): value = NashMD(beta: h.beta, mixtureCoefficient: h.mixtureCoef).evaluate(samples)
        case .nashMP(let h): value = NashMPPolicyGradient(beta: h.beta, eta: h.eta).evaluate(samples)
        default: throw TrainingSpecError(field: "algorithm", message: "\(spec.algorithm.rawValue) takes no policy-gradient step")
        }
        policy.zeroGradients()
        policy.backwardLogProbs(perToken: value.gradients.flatMap { $0.map { Float($0) } })
        var metrics = value.metrics
        metrics["loss"] = value.loss
        metrics["grad_norm"] = applyGradients()
        metrics["kl"] = mean(samples.map { $0.policy.reduce(0, +) - $0.reference.reduce(0, +) })
        // The judge's view is in the objective's `rewards/probabilities` and `objective/win_rate_estimate`;
        // TRL's `rewards/chosen` / `rewards/rejected` here are reward-model scores, which a judge lacks.
        return metrics
    }
}

/// Samples from the token-level geometric mixture `softmax(α·ref_logits + (1−α)·policy_logits)` that
/// Nash-MD plays against (TRL `nash_md_trainer.py` L85–87). Uncached: each new token re-runs both models on
/// the right-padded prefixes (fine for the few-token responses of the built-in tasks).
enum MixtureSampler {
    static func sample(policy: GPT, reference: GPT, prompts: [String], mixture alpha: Double,
                       parameters: SamplingParameters, seed: UInt64, tokenizer: any Tokenizer) throws(PolicyError) -> [Rollout] {
        let tok = tokenizer
        var sequences = prompts.map { tok.encode($0, bos: true) }
        var generated = [[Int32]](repeating: [], count: prompts.count)
        var ended = [Bool](repeating: false, count: prompts.count)
        var done = sequences.map { $0.count >= policy.config.context }
        var rngs = prompts.indices.map { RNG(seed: seed ^ (UInt64($0) &* 0x9E37_79B9_7F4A_7C15)) }
        let v = policy.config.vocab
        let objective = NashMD(beta: 0, mixtureCoefficient: alpha)
        for _ in 0..<parameters.maxNewTokens {
            let active = prompts.indices.filter { !done[$0] }
            guard let time = active.map({ sequences[$0].count }).max() else { break }
            var tokens = [Int32](repeating: tokenizer.padID, count: active.count * time)
            for (r, i) in active.enumerated() {
                for (t, token) in sequences[i].enumerated() { tokens[r * time + t] = token }
            }
            let pl = try policy.logits(tokens: tokens, batch: active.count, time: time).data
            let rl = try reference.logits(tokens: tokens, batch: active.count, time: time).data
            for (r, i) in active.enumerated() {
                let base = (r * time + sequences[i].count - 1) * v
                let mixed = objective.mixtureLogProbs(policyLogits: pl[base..<(base + v)].map { Double($0) },
                                                      referenceLogits: rl[base..<(base + v)].map { Double($0) })
                let token = Int32(pick(mixed, temperature: Double(parameters.temperature), rng: &rngs[i]))
                if parameters.stopAtEOS && token == parameters.eos {
                    ended[i] = true
                    done[i] = true
                    continue
                }
                generated[i].append(token)
                sequences[i].append(token)
                if sequences[i].count >= policy.config.context { done[i] = true }
            }
        }
        return prompts.indices.map {
            Rollout(text: Rollouts.text(generated[$0], tokenizer), tokens: ended[$0] ? generated[$0] + [tokenizer.eosID] : generated[$0])
        }
    }

    /// A draw from `softmax(logp / temperature)` (argmax at temperature 0, lowest id on ties).
    static func pick(_ logp: [Double], temperature: Double, rng: inout RNG) -> Int {
        guard temperature > 0 else { return logp.indices.max { logp[$0] < logp[$1] || (logp[$0] == logp[$1] && $0 > $1) } ?? 0 }
        let scaled = logp.map { $0 / temperature }
        let m = scaled.max() ?? 0
        let weights = scaled.map { exp($0 - m) }
        var u = rng.nextDouble() * weights.reduce(0, +)
        for (i, w) in weights.enumerated() {
            u -= w
            if u < 0 { return i }
        }
        return weights.count - 1
    }
}
