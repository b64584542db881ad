public import Foundation

/// The files `preflab eval` writes for a CI system: JUnit XML (one test case per check), a Markdown
/// summary for a job summary page, and the evaluation itself as JSON.
public enum EvalReports {
    /// JUnit XML as Jenkins, GitLab and GitHub reporters read it (`testsuites` > `testsuite` > `testcase`
    /// with `failure` or `error`). An evaluation that did not finish is one test case in error.
    public static func junit(_ outcome: EvalOutcome?, checks: [EvalGate.Check], infrastructureError: String?,
                             seconds: Double, timestamp: Date) -> String {
        var cases: [String] = []
        var failures = 0, errors = 0
        if let infrastructureError {
            errors = 1
            cases.append("""
                <testcase classname="preflab.eval" name="evaluation" time="\(format(seconds))">
                  <error message="\(escape(infrastructureError))" type="infrastructure">\(escape(infrastructureError))</error>
                </testcase>
            """)
        }
        for check in checks {
            if check.passed {
                cases.append("    <testcase classname=\"preflab.eval\" name=\"\(escape(check.name))\" time=\"0\"/>")
            } else {
                failures += 1
                cases.append("""
                    <testcase classname="preflab.eval" name="\(escape(check.name))" time="0">
                      <failure message="\(escape(check.message))" type="threshold">\(escape(check.message))</failure>
                    </testcase>
                """)
            }
        }
        if cases.isEmpty {
            cases.append("    <testcase classname=\"preflab.eval\" name=\"evaluation\" time=\"\(format(seconds))\"/>")
        }
        let name = outcome.map { "\($0.model) vs \($0.baseline) on \($0.task) (\($0.judge))" } ?? "preflab eval"
        let stamp = ISO8601DateFormatter().string(from: timestamp).replacingOccurrences(of: "Z", with: "")
        let out = outcome.map { "    <system-out>\(escape(summaryLine($0)))</system-out>\n" } ?? ""
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuites name="preflab eval" tests="\(cases.count)" failures="\(failures)" errors="\(errors)" time="\(format(seconds))">
          <testsuite name="\(escape(name))" tests="\(cases.count)" failures="\(failures)" errors="\(errors)" skipped="0" time="\(format(seconds))" timestamp="\(stamp)" hostname="\(escape(ProcessInfo.processInfo.hostName))">
        \(cases.joined(separator: "\n"))
        \(out)  </testsuite>
        </testsuites>

        """
    }

    /// A Markdown table for a CI job summary.
    public static func markdown(_ outcome: EvalOutcome?, checks: [EvalGate.Check], infrastructureError: String?) -> String {
        var lines = ["## PrefLab evaluation", ""]
        if let outcome {
            let result = outcome.result
            func number(_ key: String) -> String { (result[key] as? Double).map { String(format: "%.4f", $0) } ?? "—" }
            lines += [
                "| model | baseline | task | judge | win rate | 95% interval | ties | KL | prompts × samples |",
                "|---|---|---|---|---|---|---|---|---|",
                "| `\(outcome.model)` | `\(outcome.baseline)` | \(outcome.task) | \(outcome.judge) | \(number("win_rate")) | "
                    + "\(number("win_rate_low"))–\(number("win_rate_high")) | \(number("tie_rate")) | \(number("kl")) | "
                    + "\((result["comparisons"] as? Int).map(String.init) ?? "—") |",
                "",
            ]
            if let method = result["interval"] as? String { lines += ["Interval: \(method).", ""] }
        }
        if let infrastructureError { lines += ["**Error:** \(infrastructureError)", ""] }
        if !checks.isEmpty {
            lines += ["| check | result | detail |", "|---|---|---|"]
            lines += checks.map { "| \($0.name) | \($0.passed ? "✅ pass" : "❌ fail") | \($0.message) |" }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    /// The evaluation with the checks and the verdict, for tools.
    public static func json(_ outcome: EvalOutcome?, checks: [EvalGate.Check], infrastructureError: String?, exitCode: Int32) -> String {
        var object: [String: Any] = [
            "passed": exitCode == 0, "exit_code": Int(exitCode),
            "checks": checks.map { ["name": $0.name, "passed": $0.passed, "message": $0.message] },
        ]
        if let outcome {
            object["evaluation"] = outcome.object
            object["history"] = outcome.history
        }
        if let infrastructureError { object["error"] = infrastructureError }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func summaryLine(_ outcome: EvalOutcome) -> String {
        let f = { (x: Double?) in x.map { String(format: "%.4f", $0) } ?? "—" }
        return "win rate \(f(outcome.winRate)) [\(f(outcome.low)), \(f(outcome.high))] for \(outcome.model) vs \(outcome.baseline) on \(outcome.task)"
    }

    static func format(_ seconds: Double) -> String { String(format: "%.3f", seconds) }

    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n", "\t", "\r": out += "&#\(scalar.value);"
            // XML 1.0 forbids other control characters even as references.
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: out += "?"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
