import App
import ArgumentParser
import Foundation
import Logging
import Storage
#if canImport(Glibc)
import Glibc
#endif

/// `preflab eval`: the CI gate. Evaluates a model against a baseline (through a server, or embedded
/// against a store), writes JUnit / Markdown / JSON reports, and exits 0 (pass), 1 (below threshold or
/// regressed) or 2 (usage or infrastructure error).
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a model against a baseline and gate a CI job on the result.",
        discussion: """
        Through a server (--server URL, token from PREFLAB_TOKEN) or embedded against a store (--database) with no \
        server. The win rate is P(model ≻ baseline) under the judge (ties count ½) with a 95% interval from a \
        bootstrap over prompts.

        Exit codes:
          0  every check passed (or no check was asked for)
          1  the win rate is below --min-win-rate, or fell by more than --max-regression
          2  usage error, or the evaluation could not be made (server unreachable, judge down, run failed)
        """
    )

    @Option(help: "Server base URL, e.g. http://127.0.0.1:8080 (token from PREFLAB_TOKEN).")
    var server: String?

    @Option(help: "Run embedded against this store (sqlite:PATH or a postgres:// URL) instead of a server.")
    var database: String?

    @Option(help: "The model to evaluate (a policy id).")
    var model: String

    @Option(help: "The policy it is compared with.")
    var baseline: String

    @Option(help: "A built-in task whose evaluation prompts are used (default arithmetic).")
    var task: String?

    @Option(help: "A stored prompt dataset to evaluate on instead of a task (needs --judge).")
    var prompts: String?

    @Option(help: "oracle:<task> (default on a task) or an http(s):// judge URL.")
    var judge: String?

    @Option(help: "Samples of each policy per prompt (default 4).")
    var samplesPerPrompt: Int?

    @Option(help: "Seed of the sampling and the bootstrap (default 0).")
    var seed: Int?

    @Option(help: "Evaluate at most this many prompts.")
    var maxPrompts: Int?

    @Option(help: "Fail (exit 1) when the win rate is below this.")
    var minWinRate: Double?

    @Option(help: "What --min-win-rate is compared with: point (the win rate; default) or lower (the 95% interval's lower bound: a win that is not noise, which needs enough prompts).")
    var gate: String = "point"

    @Option(help: "Fail (exit 1) when the win rate fell by more than this below the mean of the last --history evaluations of the same model, baseline, task and judge.")
    var maxRegression: Double?

    @Option(help: "How many earlier evaluations --max-regression averages (default 5).")
    var history: Int = 5

    @Option(help: "Seconds to wait for the evaluation (default 3600).")
    var timeout: Int = 3600

    @Option(help: "Write a JUnit XML report here.")
    var junit: String?

    @Option(help: "Write the evaluation, checks and verdict as JSON here.")
    var json: String?

    @Option(help: "Write a Markdown summary here (e.g. $GITHUB_STEP_SUMMARY).")
    var markdown: String?

    func validate() throws {
        guard (server == nil) != (database == nil) else { throw ValidationError("give exactly one of --server and --database") }
        guard task == nil || prompts == nil else { throw ValidationError("give --task or --prompts, not both") }
        guard prompts == nil || judge != nil else { throw ValidationError("--prompts needs a --judge") }
        guard EvalGate.Basis(rawValue: gate) != nil else { throw ValidationError("--gate must be lower or point") }
        if let minWinRate { guard (0...1).contains(minWinRate) else { throw ValidationError("--min-win-rate must be in [0, 1]") } }
        if let maxRegression { guard (0...1).contains(maxRegression) else { throw ValidationError("--max-regression must be in [0, 1]") } }
        guard (1...1000).contains(history) else { throw ValidationError("--history must be 1...1000") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() throws {
        var request = EvalRequest(model: model, baseline: baseline)
        request.task = task
        request.promptsDataset = prompts
        request.judge = judge
        request.samplesPerPrompt = samplesPerPrompt
        request.seed = seed
        request.maxPrompts = maxPrompts
        request.historyCount = history
        request.timeout = .seconds(timeout)
        let gate = EvalGate(minWinRate: minWinRate, basis: EvalGate.Basis(rawValue: self.gate) ?? .point, maxRegression: maxRegression)
        let progress = ProgressLine()
        let start = Date()
        var outcome: EvalOutcome?
        var failure: String?
        do {
            if let server {
                let token = ProcessInfo.processInfo.environment["PREFLAB_TOKEN"]
                outcome = try EvalSession.remote(server: server, token: token, request: request, progress: progress.show)
            } else {
                let location = try DatabaseOption(database: database).location()
                LoggingSystem.bootstrap { label in
                    var handler = StreamLogHandler.standardError(label: label)
                    handler.logLevel = .warning
                    return handler
                }
                outcome = try EvalSession.embedded(location: location, request: request, logger: Logger(label: "preflab.eval"),
                                                   progress: progress.show)
            }
            if let outcome, outcome.status != "succeeded" {
                failure = "evaluation \(outcome.id) \(outcome.status): \(outcome.error ?? "no reason given")"
            }
        } catch let error as EvalError {
            failure = error.message
        }
        progress.finish()
        let checks = failure == nil ? outcome.map(gate.checks) ?? [] : []
        let code: Int32 = failure != nil ? 2 : checks.allSatisfy(\.passed) ? 0 : 1
        let seconds = Date().timeIntervalSince(start)
        try write(junit, EvalReports.junit(outcome, checks: checks, infrastructureError: failure, seconds: seconds, timestamp: start))
        try write(markdown, EvalReports.markdown(outcome, checks: checks, infrastructureError: failure))
        try write(json, EvalReports.json(outcome, checks: checks, infrastructureError: failure, exitCode: code))
        if let outcome, failure == nil {
            let f = { (x: Double?) in x.map { String(format: "%.4f", $0) } ?? "—" }
            print("\(outcome.id): win rate \(f(outcome.winRate)) [\(f(outcome.low)), \(f(outcome.high))]")
        }
        for check in checks { print("\(check.passed ? "PASS" : "FAIL")  \(check.name): \(check.message)") }
        if let failure { FileHandle.standardError.write(Data("error: \(failure)\n".utf8)) }
        if code != 0 { throw ExitCode(code) }
    }

    func write(_ path: String?, _ text: String) throws {
        guard let path else { return }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            FileHandle.standardError.write(Data("error: cannot write \(path): \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// Progress on standard error: a redrawn bar on a terminal, a plain line per change otherwise (CI logs).
final class ProgressLine: @unchecked Sendable {  // used from the calling thread only
    private let terminal = isatty(STDERR_FILENO) == 1
    private var last: (Int, Int) = (-1, -1)

    func show(_ done: Int, _ total: Int) {
        guard (done, total) != last, total > 0 else { return }
        last = (done, total)
        if terminal {
            let width = 30, filled = width * done / total
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            FileHandle.standardError.write(Data("\r\(bar) \(done)/\(total) prompts".utf8))
        } else {
            FileHandle.standardError.write(Data("progress: \(done)/\(total) prompts\n".utf8))
        }
    }

    func finish() {
        if terminal && last.0 >= 0 { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
