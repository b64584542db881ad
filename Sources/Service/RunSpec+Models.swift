import Alignment
import Foundation
import Policy
public import Storage

extension RunSpec {
    /// The models named by the spec exist, are policies with one architecture, and (on a text task) have
    /// the context the task needs; a `reward_model:<id>` judge names a stored reward model with that context. Throws ``MissingReference`` for an unknown id, ``RunSpecError`` otherwise.
    public func checkModels(on connection: any SQLConnection) throws {
        let models: [(String, String?)]
        switch job {
        case .tabular: return
        case .training(let run): models = [("model", run.model), ("reference", run.reference)]
        case .rewardModel(let run): models = [("model", run.model)]
        }
        var architecture: String?
        for (field, id) in models {
            guard let id else { continue }
            guard let record = try ModelRepository.get(id: id, on: connection) else { throw MissingReference(field: field, id: id) }
            guard record.kind == ModelKind.policy.rawValue else {
                throw RunSpecError(field, "\(id) is a \(record.kind); runs train and compare policies")
            }
            if let architecture, architecture != record.architecture {
                throw RunSpecError(field, "model and reference must share one architecture")
            }
            architecture = record.architecture
            if case .training(let run) = job, case .prompts(let dataset, _, let until) = run.source,
               let config = try? JSONDecoder().decode(GPTConfig.self, from: Data(record.architecture.utf8)) {
                try Self.checkPrompts(dataset: dataset, until: until, context: config.context,
                                      responseBudget: max(run.training.sampling?.maxNewTokens ?? 0, 1), model: id, field: field, on: connection)
            }
            if case .training(let run) = job, let task = run.task,
               let config = try? JSONDecoder().decode(GPTConfig.self, from: Data(record.architecture.utf8)) {
                let needed = task.contextNeeded(for: run.training)
                guard config.context >= needed else {
                    throw RunSpecError(field, "\(id) has a context of \(config.context) tokens; task '\(task.name)' needs \(needed) (its longest prompt and the response budget)")
                }
            }
        }
        if case .training(let run) = job, let (kind, id) = run.judgeModel {
            guard let record = try ModelRepository.get(id: id, on: connection) else { throw MissingReference(field: "judge", id: id) }
            guard record.kind == kind.rawValue else {
                throw RunSpecError("judge", "\(id) is a \(record.kind); \(kind.rawValue):<id> names a model of kind \(kind.rawValue)")
            }
            if let task = run.task, let config = try? JSONDecoder().decode(GPTConfig.self, from: Data(record.architecture.utf8)) {
                // A preference model reads the prompt and both responses.
                var needed = task.contextNeeded(for: run.training)
                if kind == .preferenceModel { needed += (run.training.sampling?.maxNewTokens).flatMap { $0 > 0 ? $0 : nil } ?? task.sampling.maxNewTokens }
                guard config.context >= needed + 1 else {
                    throw RunSpecError("judge", "\(kind.rawValue) \(id) has a context of \(config.context) tokens; task '\(task.name)' needs \(needed + 1)")
                }
            }
        }
    }

    /// The most prompts a run on a stored dataset holds in memory.
    public static let maxPrompts = 100_000

    /// A run on stored prompts needs prompts (at most ``maxPrompts``), each fitting the model's context with at least
    /// `responseBudget` tokens to answer in (the response is cut at the context otherwise).
    static func checkPrompts(dataset: String, until: Date, context: Int, responseBudget: Int, model: String, field: String,
                             on connection: any SQLConnection) throws {
        var cursor: String?
        var count = 0
        repeat {
            let page = try PromptRepository.list(dataset: dataset, after: cursor, limit: 1000, on: connection)
            for prompt in page.items where prompt.createdAt <= until {
                count += 1
                guard count <= maxPrompts else {
                    throw RunSpecError("task.dataset", "dataset '\(dataset)' has more than \(maxPrompts) prompts; a run samples from at most that many")
                }
                let tokens = ByteTokenizer().encode(prompt.text, bos: true).count
                guard tokens + responseBudget <= context else {
                    throw RunSpecError("task.dataset", "prompt \(prompt.id) has \(tokens) tokens; \(field) \(model) has a context of \(context), which leaves no room for a \(responseBudget)-token response")
                }
            }
            cursor = page.nextPageToken.flatMap(PageToken.decodeText)
        } while cursor != nil
        guard count > 0 else { throw RunSpecError("task.dataset", "dataset '\(dataset)' has no prompts") }
    }
}
