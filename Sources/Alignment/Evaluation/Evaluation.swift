public import Policy

/// Oracle-based evaluation of text policies on a ``TextTask``: pure functions of the models, the task and a
/// seed (same inputs, same numbers).
public enum Evaluation {
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

    /// What a run's end-of-run evaluation on a task reports, with `eval/` keys: `eval/win_rate` with
    /// `eval/win_rate_low`/`eval/win_rate_high` and `eval/kl`, from the evaluator of the evaluations API
    /// (``PairEvaluation``: `samples` per eval prompt judged by the task's oracle, the interval a bootstrap over
    /// prompts, its method in `intervalMethod`), and `eval/exploitability`, `eval/reference_exploitability`.
    public static func summary(
        policy: GPT, reference: GPT, task: any TextTask, samples: Int, seed: UInt64
    ) throws -> (numbers: [String: Double], intervalMethod: String) {
        let report = try PairEvaluation(samplesPerPrompt: samples, sampling: task.sampling, seed: seed)
            .run(model: policy, baseline: reference, prompts: task.evalPrompts, judge: OracleJudge(task.oracle))
        let numbers = [
            "eval/win_rate": report.winRate,
            "eval/win_rate_low": report.low,
            "eval/win_rate_high": report.high,
            "eval/exploitability": try exploitability(policy: policy, task: task, samples: samples, seed: seed),
            "eval/reference_exploitability": try exploitability(policy: reference, task: task, samples: samples, seed: seed),
            "eval/kl": report.kl,
        ]
        return (numbers, report.intervalMethod)
    }
}
