public import Alignment
public import Foundation
import Jobs
import Logging
import Policy
public import Storage

/// Evaluations as durable jobs: stored with their job in one transaction at `POST`, executed by any
/// worker pool (in-process or `preflab worker`), ended with their summary, rows and an
/// `evaluation.finished` webhook in one transaction.
public enum Evaluations {
    public static let jobKind = "evaluation"
    /// Pairs one evaluation judges at most (prompts × samples per prompt).
    public static let maxComparisons = 100_000

    /// Checks the models and prompts, then stores the evaluation and queues its job (same id).
    public static func submit(_ spec: EvaluationSpec, createdBy: String, now: Date = Date(),
                              on connection: any SQLConnection) throws -> EvaluationRecord {
        let prompts = try self.prompts(spec, on: connection)
        guard !prompts.isEmpty else { throw RunSpecError("task.dataset", "the dataset has no prompts") }
        // Every sample and verdict of a job is held in memory and stored as rows: bound their number.
        guard prompts.count * spec.samplesPerPrompt <= maxComparisons else {
            throw RunSpecError("samples_per_prompt", "\(prompts.count) prompts × \(spec.samplesPerPrompt) samples exceeds \(maxComparisons) comparisons; lower samples_per_prompt or max_prompts")
        }
        let longest = prompts.map { ByteTokenizer().encode($0.text, bos: true).count }.max() ?? 0
        for (field, id) in [("model", spec.model), ("baseline", spec.baseline)] {
            guard let record = try ModelRepository.get(id: id, on: connection) else { throw MissingReference(field: field, id: id) }
            guard record.kind == ModelKind.policy.rawValue else { throw RunSpecError(field, "\(id) is a \(record.kind); evaluations compare policies") }
            guard let config = try? JSONDecoder().decode(GPTConfig.self, from: Data(record.architecture.utf8)) else { continue }
            if config.context < longest + spec.maxNewTokens {
                let culprit = prompts.first { ByteTokenizer().encode($0.text, bos: true).count + spec.maxNewTokens > config.context }
                let which = culprit.map { $0.id.map { "prompt \($0)" } ?? "a prompt" } ?? "a prompt"
                throw RunSpecError(field, "\(id) has a context of \(config.context) tokens; \(which) needs \(longest) plus max_new_tokens \(spec.maxNewTokens)")
            }
        }
        if let (kind, id) = TrainingRunSpec.judgeModel(spec.judge) {
            guard let judge = try ModelRepository.get(id: id, on: connection) else { throw MissingReference(field: "judge", id: id) }
            guard judge.kind == kind.rawValue else {
                throw RunSpecError("judge", "\(id) is a \(judge.kind); \(kind.rawValue):<id> names a model of kind \(kind.rawValue)")
            }
        }
        let record = EvaluationRecord(id: Identifier.make("eval", now: now), modelID: spec.model, baselineID: spec.baseline,
                                      task: spec.taskKey, judge: spec.judge, spec: spec.json, createdBy: createdBy, createdAt: now)
        try EvaluationRepository.insert(record, on: connection)
        _ = try JobQueue.enqueue(id: record.id, kind: jobKind, payload: record.spec, maxAttempts: 3, now: now, on: connection)
        return record
    }

    /// The prompts the evaluation runs on, in a stable order: the task's evaluation prompts, or the
    /// dataset's prompts created up to the cut-off, at most `max_prompts`.
    static func prompts(_ spec: EvaluationSpec, on connection: any SQLConnection) throws -> [(id: String?, text: String)] {
        switch spec.source {
        case .task:
            return (spec.task?.evalPrompts ?? []).prefix(spec.maxPrompts).map { (nil, $0) }
        case .prompts(let dataset, let until):
            var out: [(id: String?, text: String)] = []
            var cursor: String?
            repeat {
                let page = try PromptRepository.list(dataset: dataset, after: cursor, limit: 1000, on: connection)
                out += page.items.filter { $0.createdAt <= until }.map { ($0.id, $0.text) }
                cursor = page.nextPageToken.flatMap(PageToken.decodeText)
            } while cursor != nil && out.count < spec.maxPrompts
            return Array(out.prefix(spec.maxPrompts))
        }
    }

    /// The `evaluation` job handler.
    static func execute(_ context: JobContext, database: Database, logger: Logger) throws {
        let id = context.job.id
        guard let record = try database.read({ try EvaluationRepository.get(id: id, on: $0) }), !record.status.isFinal else { return }
        do {
            let spec = try EvaluationSpec.decode(Array(record.spec.utf8))
            let prompts = try database.read { try Self.prompts(spec, on: $0) }.map(\.text)
            try database.write { try EvaluationRepository.markRunning(id: id, total: prompts.count, on: $0) }
            let model = try loadPolicy(spec.model, field: "model", database)
            let baseline = try loadPolicy(spec.baseline, field: "baseline", database)
            let judge = try makeJudge(spec, database: database)
            let report = try spec.evaluation.run(model: model, baseline: baseline, prompts: prompts, judge: judge, progress: { done, _ in
                try context.checkCancellation()
                try database.write { try EvaluationRepository.setProgress(id: id, done: done, on: $0) }
            })
            var summary = EvaluationResult.summary(report)
            if let remote = judge as? RemoteJudge {
                let statistics = remote.takeStatistics()
                summary["judge/calls"] = .number(Double(statistics.calls))
                summary["judge/errors"] = .number(Double(statistics.errors))
                summary["judge/latency_ms"] = .number(statistics.latencyMilliseconds)
            }
            let rows = report.rows.map { EvaluationResult.row($0).text }, result = JSONValue.object(summary).text
            try database.write { connection in
                try finish(id: id, status: .succeeded, result: result, rows: rows, on: connection)
            }
        } catch let error as JobCancelled {
            if context.cancellationReason == .requested {
                try database.write { try finish(id: id, status: .cancelled, on: $0) }
            }
            throw error
        } catch let error as StorageError where error.code == .unavailable {
            throw RetryableJobError("store: \(error)")
        } catch {
            guard !context.isCancelled || context.cancellationReason == .requested else { throw JobCancelled() }
            logger.warning("evaluation failed", metadata: ["evaluation": "\(id)", "error": "\(error)"])
            try database.write { try finish(id: id, status: .failed, error: RunJob.describe(error), on: $0) }
        }
    }

    /// Cancels a queued evaluation at once; a running one is asked to stop and ends `cancelled` when it does.
    public static func requestCancel(id: String, on connection: any SQLConnection) throws {
        let job = try JobQueue.requestCancel(id: id, on: connection)
        if job?.status.isFinal ?? true { try finish(id: id, status: .cancelled, on: connection) }
    }

    /// Ends an evaluation whose job ended without its handler (dead or cancelled while queued).
    static func ended(_ job: JobRecord, on connection: any SQLConnection) throws {
        let cancelled = job.status == .cancelled
        try finish(id: job.id, status: cancelled ? .cancelled : .failed, error: cancelled ? nil : job.lastError, on: connection)
    }

    /// Ends the evaluation and queues `evaluation.finished` for webhooks, in the caller's transaction.
    static func finish(id: String, status: RunStatus, error: String? = nil, result: String? = nil, rows: [String] = [],
                       on connection: any SQLConnection) throws {
        guard try EvaluationRepository.finish(id: id, status: status, error: error, result: result, rows: rows, on: connection),
              let record = try EvaluationRepository.get(id: id, on: connection) else { return }
        var data: [String: JSONValue] = [
            "id": .string(record.id), "status": .string(record.status.rawValue), "model": .string(record.modelID),
            "baseline": .string(record.baselineID), "task": .string(record.task), "judge": .string(record.judge),
            "url": .string("/v1/evaluations/\(record.id)"),
        ]
        if let error = record.error { data["error"] = .string(error) }
        if let result = record.result, let value = try? JSONDecoder().decode(JSONValue.self, from: Data(result.utf8)) {
            data["result"] = value
        }
        try Webhooks.emit(.evaluationFinished, data: .object(data), on: connection)
    }

    static func loadPolicy(_ id: String, field: String, _ database: Database) throws -> GPT {
        guard let record = try database.read({ try ModelRepository.get(id: id, on: $0) }),
              let bytes = try database.read({ try ModelRepository.checkpoint(sha256: record.checkpointSHA256, on: $0) }) else {
            throw MissingReference(field: field, id: id)
        }
        let file = try Safetensors(bytes: bytes)
        // Evaluations score each side's samples under both models, which needs one tokenizer: the byte tokenizer.
        guard file.metadata[StoredTokenizer.jsonKey] == nil else {
            throw PolicyError("\(field) \(id) has a BPE tokenizer (a Hugging Face import); evaluations compare byte-tokenizer policies")
        }
        let model = try GPT.load(file).model
        model.requiresGradients = false
        return model
    }

    static func makeJudge(_ spec: EvaluationSpec, database: Database) throws -> any BatchJudge {
        if let task = spec.task, spec.judge == "oracle:\(task.name)" { return OracleJudge(task.oracle) }
        if let (kind, id) = TrainingRunSpec.judgeModel(spec.judge) {
            guard let record = try database.read({ try ModelRepository.get(id: id, on: $0) }),
                  let bytes = try database.read({ try ModelRepository.checkpoint(sha256: record.checkpointSHA256, on: $0) }) else {
                throw MissingReference(field: "judge", id: id)
            }
            return try ModelJudge(checkpoint: try Safetensors(bytes: bytes), kind: kind.rawValue)
        }
        return try RemoteJudge(url: spec.judge, options: spec.judgeOptions ?? RemoteJudgeOptions())
    }
}

extension RemoteJudge: BatchJudge {
    public func judgedRewards(prompts: [String], responses: [String]) throws -> [Double]? {
        guard options.protocol == .reward else { return nil }
        let values: [Double] = try rewards(prompts: prompts, responses: responses)
        return values
    }
}
