import Foundation

/// A finished evaluation as the CLI reads it: its API representation (the same whether it came from a
/// server or ran embedded) and the history it is compared with.
public struct EvalOutcome: Sendable {
    /// `GET /v1/evaluations/{id}` as JSON text.
    public var evaluation: String
    /// Earlier succeeded evaluations of the same model, baseline, task and judge, newest first.
    public var history: [Double]

    public init(evaluation: String, history: [Double]) {
        self.evaluation = evaluation
        self.history = history
    }

    var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(evaluation.utf8))) as? [String: Any] ?? [:] }
    var result: [String: Any] { object["result"] as? [String: Any] ?? [:] }
    public var id: String { object["id"] as? String ?? "" }
    public var status: String { object["status"] as? String ?? "" }
    public var error: String? { object["error"] as? String }
    public var winRate: Double? { result["win_rate"] as? Double }
    public var low: Double? { result["win_rate_low"] as? Double }
    public var high: Double? { result["win_rate_high"] as? Double }
    var model: String { object["model"] as? String ?? "" }
    var baseline: String { object["baseline"] as? String ?? "" }
    var task: String { object["task"] as? String ?? "" }
    var judge: String { object["judge"] as? String ?? "" }
}

/// The checks of `preflab eval` and their verdict. Pure: the thresholds and an outcome in, checks out.
public struct EvalGate: Sendable {
    public enum Basis: String, Sendable, CaseIterable {
        /// The win rate must reach the threshold (the default).
        case point
        /// The 95% interval's lower bound must: a win that is not noise (the interval is a bootstrap over
        /// prompts, so this needs many prompts).
        case lower
    }

    public struct Check: Sendable, Equatable {
        public var name: String
        public var passed: Bool
        public var message: String
    }

    public var minWinRate: Double?
    public var basis: Basis = .point
    public var maxRegression: Double?

    public init(minWinRate: Double? = nil, basis: Basis = .point, maxRegression: Double? = nil) {
        self.minWinRate = minWinRate
        self.basis = basis
        self.maxRegression = maxRegression
    }

    /// The checks a succeeded evaluation is held to (empty when no threshold was given).
    public func checks(_ outcome: EvalOutcome) -> [Check] {
        var checks: [Check] = []
        let rate = outcome.winRate ?? 0, low = outcome.low ?? 0
        if let minWinRate {
            let value = basis == .lower ? low : rate
            let what = basis == .lower ? "lower bound of the 95% interval" : "win rate"
            checks.append(Check(name: "win rate \(basis == .lower ? "lower bound " : "")≥ \(format(minWinRate))",
                                passed: value >= minWinRate,
                                message: "\(what) \(format(value)) (win rate \(format(rate)), interval \(format(low))–\(format(outcome.high ?? 1)))"))
        }
        if let maxRegression {
            if outcome.history.isEmpty {
                checks.append(Check(name: "regression ≤ \(format(maxRegression))", passed: true,
                                    message: "no earlier evaluation of this model, baseline, task and judge to compare with"))
            } else {
                let mean = outcome.history.reduce(0, +) / Double(outcome.history.count)
                checks.append(Check(name: "regression ≤ \(format(maxRegression))", passed: rate >= mean - maxRegression,
                                    message: "win rate \(format(rate)) vs \(format(mean)), the mean of the last \(outcome.history.count)"))
            }
        }
        return checks
    }

    func format(_ x: Double) -> String { String(format: "%.4f", x) }
}
