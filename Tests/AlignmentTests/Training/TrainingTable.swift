import Alignment
import Foundation
import Testing

/// Prints win rate / exploitability / wall time per algorithm and task (for tuning and the report).
/// Opt-in: `PREFLAB_TRAINING_TABLE=1 swift test --filter TrainingTable` (the numeric modules are optimised
/// in debug builds too, so this takes seconds per run).
@Suite struct TrainingTable {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PREFLAB_TRAINING_TABLE"] != nil))
    func table() throws {
        let algorithms: [(String, [String: HyperValue])] = [
            ("dpo", [:]), ("sppo", [:]), ("inpo", [:]), ("nash_mp", [:]),
            ("nash_mp", ["prox_solver": .string("policy_gradient")]), ("nash_md", [:]),
        ]
        let env = ProcessInfo.processInfo.environment
        let extra = env["PREFLAB_TRAINING_ONLY"]
        // PREFLAB_TRAINING_HYPER="beta=0.5,learning_rate=3e-4" overrides numbers (and strings) for a sweep.
        var overrides: [String: HyperValue] = [:]
        for item in (env["PREFLAB_TRAINING_HYPER"] ?? "").split(separator: ",") {
            let kv = item.split(separator: "=").map(String.init)
            guard kv.count == 2 else { continue }
            overrides[kv[0]] = Double(kv[1]).map { .number($0) } ?? .string(kv[1])
        }
        for task in TextTasks.all where env["PREFLAB_TRAINING_TASK"] == nil || env["PREFLAB_TRAINING_TASK"] == task.name {
            let refStart = Date()
            _ = try References.file(for: task)
            print("\(task.name): reference SFT \(String(format: "%.1f", Date().timeIntervalSince(refStart))) s")
            // PREFLAB_TRAINING_SEEDS="1,2,3" runs each algorithm at several training seeds (default: the tests' 3).
            let seeds = (env["PREFLAB_TRAINING_SEEDS"] ?? "3").split(separator: ",").compactMap { UInt64($0) }
            for (name, base) in algorithms where extra == nil || extra == name {
                for seed in seeds {
                    let accepted = try TrainingSpec(algorithm: name, hyperparameters: [:], seed: 0).hyperparameters
                    let hyper = base.merging(overrides.filter { accepted[$0.key] != nil }) { $1 }
                    let r = try train(name, on: task, hyper, seed: seed)
                    let s = r.outcome.summary
                    if env["PREFLAB_TRAINING_VERBOSE"] != nil {
                        for (step, m) in r.observer.records where step % 10 == 1 || step == r.observer.records.count {
                            let keys = ["loss", "rewards/accuracies", "rewards/margins", "logps/chosen", "logps/rejected", "kl", "grad_norm"]
                            print("  step \(step): " + keys.map { "\($0)=\(String(format: "%.3f", m[$0] ?? .nan))" }.joined(separator: " "))
                        }
                    }
                    let spec = try TrainingSpec(algorithm: name, hyperparameters: hyper, seed: seed)
                    let iterations = max(1, spec.schedule?.iterations ?? 1)
                    print(String(format: "%@ %@%@ seed %d: win %.3f [%.3f, %.3f] expl %.3f (ref %.3f) kl %.2f | %.1f s total, %.2f s/iteration",
                                 task.name, name, base.isEmpty ? "" : " (pg)", Int(seed), s["eval/win_rate"] ?? -1, s["eval/win_rate_low"] ?? -1,
                                 s["eval/win_rate_high"] ?? -1, s["eval/exploitability"] ?? -1,
                                 s["eval/reference_exploitability"] ?? -1, s["eval/kl"] ?? -1, r.seconds, r.seconds / Double(iterations)))
                }
            }
        }
    }
}
