// `make bench-eval`: one evaluation of 64 prompts × 8 samples per side with the L4 D128 H4 policy and
// the arithmetic oracle, as the evaluation job runs it, and where the time goes: sampling both sides,
// judging, scoring (log-probs for the KL estimate), and storing the summary and rows (SQLite, one
// transaction). Prints one JSON line per round.
import Alignment
import Foundation
import Policy
import Storage

let rounds = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 3
let task = ArithmeticTask()
let prompts = Array((task.trainPrompts + task.evalPrompts).prefix(64))
let config = GPTConfig(layers: 4, dim: 128, heads: 4, context: 64)
let model = try GPT(config: config, seed: 1), baseline = try GPT(config: config, seed: 2)
model.requiresGradients = false
baseline.requiresGradients = false
let directory = NSTemporaryDirectory() + "preflab-eval-bench-\(getpid())"
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
let database = try Database(location: .sqlite(path: directory + "/bench.sqlite"), migrator: try Migrator.locate())

for round in 1...rounds {
    var phases: [String: Double] = [:]
    let start = Date()
    let evaluation = PairEvaluation(samplesPerPrompt: 8, sampling: SamplingParameters(temperature: 1, maxNewTokens: 8), seed: UInt64(round))
    let report = try evaluation.run(model: model, baseline: baseline, prompts: prompts, judge: OracleJudge(task.oracle),
                                    clock: { name, body in
                                        let t = Date()
                                        try body()
                                        phases[name, default: 0] += Date().timeIntervalSince(t)
                                    })
    let stored = Date()
    let id = "eval_bench\(round)"
    try database.write { connection in
        try EvaluationRepository.insert(EvaluationRecord(id: id, modelID: "m", baselineID: "b", task: "arithmetic", judge: "oracle:arithmetic",
                                                         spec: "{}", createdBy: "bench", createdAt: Date()), on: connection)
        let rows = report.rows.map { row in
            String(decoding: (try? JSONSerialization.data(withJSONObject: ["prompt": row.prompt, "model_responses": row.modelResponses,
                                                                         "baseline_responses": row.baselineResponses,
                                                                         "probabilities": row.probabilities])) ?? Data(), as: UTF8.self)
        }
        try EvaluationRepository.finish(id: id, status: .succeeded, result: "{\"win_rate\": \(report.winRate)}", rows: rows, on: connection)
    }
    phases["storage"] = Date().timeIntervalSince(stored)
    let total = Date().timeIntervalSince(start)
    let fields = ["sampling", "judging", "scoring", "storage"].map { "\"\($0)_s\": \(String(format: "%.3f", phases[$0] ?? 0))" }
    print("{\"bench\": \"eval\", \"round\": \(round), \"prompts\": \(prompts.count), \"samples_per_prompt\": 8, \"policy\": \"L4 D128 H4\", "
          + "\"comparisons\": \(report.comparisons), \"total_s\": \(String(format: "%.3f", total)), \(fields.joined(separator: ", ")), "
          + "\"bootstrap_and_rest_s\": \(String(format: "%.3f", total - phases.values.reduce(0, +)))}")
}
database.close()
