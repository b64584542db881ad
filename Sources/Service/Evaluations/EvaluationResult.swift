import Alignment
import Storage

/// The stored shapes of an evaluation's outcome: its summary and its per-prompt rows.
enum EvaluationResult {
    static func summary(_ report: EvaluationReport) -> [String: JSONValue] {
        var fields: [String: JSONValue] = [
            "win_rate": .number(report.winRate),
            "win_rate_low": .number(report.low),
            "win_rate_high": .number(report.high),
            "interval": .string(report.intervalMethod),
            "tie_rate": .number(report.tieRate),
            "prompts": .number(Double(report.prompts)),
            "comparisons": .number(Double(report.comparisons)),
            "model_mean_length": .number(report.modelMeanLength),
            "baseline_mean_length": .number(report.baselineMeanLength),
            "kl": .number(report.kl),
        ]
        if let reward = report.modelMeanReward { fields["model_mean_reward"] = .number(reward) }
        if let reward = report.baselineMeanReward { fields["baseline_mean_reward"] = .number(reward) }
        return fields
    }

    static func row(_ row: EvaluationRow) -> JSONValue {
        var fields: [String: JSONValue] = [
            "prompt": .string(row.prompt),
            "model_responses": .array(row.modelResponses.map(JSONValue.string)),
            "baseline_responses": .array(row.baselineResponses.map(JSONValue.string)),
            "probabilities": .array(row.probabilities.map(JSONValue.number)),
            "win_rate": .number(row.probabilities.reduce(0, +) / Double(max(row.probabilities.count, 1))),
        ]
        if let rewards = row.modelRewards { fields["model_rewards"] = .array(rewards.map(JSONValue.number)) }
        if let rewards = row.baselineRewards { fields["baseline_rewards"] = .array(rewards.map(JSONValue.number)) }
        return .object(fields)
    }
}
