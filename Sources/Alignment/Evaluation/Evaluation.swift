public import Policy

/// A win rate with its 95% interval.
public struct WinRate: Sendable, Equatable {
    /// Mean oracle preference of the policy's sample over the opponent's.
    public var rate: Double
    /// Lower end of the normal 95% interval.
    public var low: Double
    /// Upper end of the normal 95% interval.
    public var high: Double
    /// Number of comparisons.
    public var comparisons: Int
}

/// Oracle-based evaluation of text policies on a ``TextTask``: pure functions of the models, the task and a
/// seed (same inputs, same numbers).
public enum Evaluation {
    /// `P(π ≻ π_ref)` on the task's eval prompts: `samples` responses of each policy per prompt, paired in
    /// order, each pair scored by the oracle's **probability** `P(y ≻ y')` (a soft judge: ties count ½ and
    /// the Bernoulli noise of a hard label is averaged out). The interval is the normal one on the mean of
    /// the N per-pair scores, `mean ± 1.96·sd/√N`, clamped to [0, 1].
    public static func winRate(
        policy: GPT, reference: GPT, task: any TextTask, samples: Int, seed: UInt64
    ) throws(PolicyError) -> WinRate {
        let prompts = task.evalPrompts
        let mine = try Rollouts.sample(policy, prompts: prompts, count: samples, parameters: task.sampling,
                                       seed: Seeds.derive(seed, Seeds.evaluation, 0))
        let theirs = try Rollouts.sample(reference, prompts: prompts, count: samples, parameters: task.sampling,
                                         seed: Seeds.derive(seed, Seeds.evaluation, 1))
        let oracle = task.oracle
        var scores: [Double] = []
        for (i, prompt) in prompts.enumerated() {
            for j in 0..<samples {
                scores.append(oracle.probability(prompt: prompt, a: mine[i][j].text, b: theirs[i][j].text))
            }
        }
        let n = Double(max(scores.count, 1))
        let m = mean(scores)
        let variance = scores.count > 1 ? scores.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1) : 0
        let half = 1.96 * (variance / n).squareRoot()
        return WinRate(rate: m, low: max(0, m - half), high: min(1, m + half), comparisons: scores.count)
    }

    /// Exploitability `mean_prompt max_c P(c ≻ π | x) − ½` over the task's candidate responses, `P(c ≻ π)`
    /// estimated from `samples` responses of π per eval prompt: the gain of the best response, chosen per
    /// prompt, over a tie (docs/ALGORITHMS.md §2.5). 0 at a Nash equilibrium of the game restricted to the
    /// candidates; unaffected by responses outside them only through their presence in π's samples.
    public static func exploitability(policy: GPT, task: any TextTask, samples: Int, seed: UInt64) throws(PolicyError) -> Double {
        let prompts = task.evalPrompts
        let rollouts = try Rollouts.sample(policy, prompts: prompts, count: samples, parameters: task.sampling,
                                           seed: Seeds.derive(seed, Seeds.evaluation, 2))
        let oracle = task.oracle
        var total = 0.0
        for (i, prompt) in prompts.enumerated() {
            let best = task.candidateResponses(prompt: prompt).map { c in
                rollouts[i].reduce(0) { $0 + oracle.probability(prompt: prompt, a: c, b: $1.text) } / Double(max(samples, 1))
            }.max() ?? 0.5
            total += best
        }
        return total / Double(max(prompts.count, 1)) - 0.5
    }

    /// Monte-Carlo `KL(π‖π_ref) = E_{y~π}[log π(y|x) − log π_ref(y|x)]` on the eval prompts (sequence level).
    public static func kl(policy: GPT, reference: GPT, task: any TextTask, samples: Int, seed: UInt64) throws(PolicyError) -> Double {
        let prompts = task.evalPrompts
        let rollouts = try Rollouts.sample(policy, prompts: prompts, count: samples, parameters: task.sampling,
                                           seed: Seeds.derive(seed, Seeds.evaluation, 3))
        let flatPrompts = prompts.flatMap { Array(repeating: $0, count: samples) }
        let responses = rollouts.flatMap { $0.map(\.tokens) }
        let mine = try Rollouts.logProbs(policy, prompts: flatPrompts, responses: responses).sum
        let theirs = try Rollouts.logProbs(reference, prompts: flatPrompts, responses: responses).sum
        return mean(zip(mine, theirs).map { $0 - $1 })
    }

    /// The three numbers a run summary reports, with `eval/` keys: `eval/win_rate`, `eval/win_rate_low`,
    /// `eval/win_rate_high`, `eval/exploitability`, `eval/reference_exploitability`, `eval/kl`.
    public static func summary(
        policy: GPT, reference: GPT, task: any TextTask, samples: Int, seed: UInt64
    ) throws(PolicyError) -> [String: Double] {
        let w = try winRate(policy: policy, reference: reference, task: task, samples: samples, seed: seed)
        return [
            "eval/win_rate": w.rate,
            "eval/win_rate_low": w.low,
            "eval/win_rate_high": w.high,
            "eval/exploitability": try exploitability(policy: policy, task: task, samples: samples, seed: seed),
            "eval/reference_exploitability": try exploitability(policy: reference, task: task, samples: samples, seed: seed),
            "eval/kl": try kl(policy: policy, reference: reference, task: task, samples: samples, seed: seed),
        ]
    }
}
