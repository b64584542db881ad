import Alignment
import Foundation
import Storage

/// Where a transformer run's data comes from, and who judges it.
struct TrainingSource: Sendable {
    /// A built-in text task: its oracle judges online samples and builds DPO's offline pairs.
    var task: (any TextTask)?
    /// Stored human preferences (offline algorithms).
    var filter: DatasetFilter?
    /// `oracle:<task>` or `preferences`.
    var judge: String
}

/// Which stored preferences an offline run learns from. `until` is fixed when the run is posted, so a
/// run resumed after a crash sees exactly the data it started with.
struct DatasetFilter: Sendable {
    var dataset: String?
    var annotator: String?
    var since: Date?
    var until: Date

    var preferenceFilter: PreferenceFilter {
        PreferenceFilter(annotator: annotator, dataset: dataset, since: since, until: until)
    }

    var tree: JSONValue {
        var fields: [String: JSONValue] = ["until": .string(ISO8601Time.string(until))]
        if let dataset { fields["dataset"] = .string(dataset) }
        if let annotator { fields["annotator"] = .string(annotator) }
        if let since { fields["since"] = .string(ISO8601Time.string(since)) }
        return .object(fields)
    }

    init(_ object: JSONObject) throws {
        try object.rejectUnknown(["dataset", "annotator", "since", "until"])
        dataset = try object.string("dataset", maxLength: 200)
        annotator = try object.string("annotator", maxLength: 200)
        func time(_ key: String) throws -> Date? {
            guard let text = try object.string(key, maxLength: 64) else { return nil }
            guard let date = RFC3339.parse(text) else {
                throw AppError.invalidField(object.name(key), "\(key) must be an ISO 8601 time such as 2026-01-31T12:00:00Z")
            }
            return date
        }
        since = try time("since")
        until = try time("until") ?? Date()
    }
}

extension RunRequest {
    /// Judges named in the API but not available yet: reward and preference models, remote and human judges.
    static let futureJudges = ["reward_model:", "preference_model:", "http:", "human"]

    /// The validated spec and data source of a transformer run; errors name `task.name`, `dataset.*`,
    /// `judge`, `algorithm` or `hyperparameters.<key>`.
    static func training(_ body: JSONObject, algorithm: String, task: JSONObject?, hyperparameters: JSONObject,
                         seed: Int) throws -> (TrainingSpec, TrainingSource) {
        var values: [String: HyperValue] = [:]
        for (key, value) in hyperparameters.fields {
            switch value {
            case let number as NSNumber: values[key] = isBoolean(number) ? .bool(number.boolValue) : .number(number.doubleValue)
            case let text as String: values[key] = .string(text)
            default: throw AppError.invalidField("hyperparameters.\(key)", "\(key) must be a number, a string or a boolean")
            }
        }
        // SFT on a built-in task defaults to the task's own recipe for its reference policy.
        if algorithm == "sft", let name = task?.fields["name"] as? String, let recipe = TextTasks.named(name)?.sftConfig {
            let defaults: [String: Double] = [
                "steps": Double(recipe.steps), "batch_size": Double(recipe.batchSize),
                // Through their shortest text, so 3e-3 stays 0.003 and not 0.0030000000260770321.
                "learning_rate": Double("\(recipe.learningRate)") ?? 1e-3, "weight_decay": Double("\(recipe.weightDecay)") ?? 0,
                "max_grad_norm": Double("\(recipe.maxGradNorm)") ?? 1,
            ]
            for (key, value) in defaults where values[key] == nil { values[key] = .number(value) }
        }
        let spec: TrainingSpec
        do {
            spec = try TrainingSpec(algorithm: algorithm, hyperparameters: values, seed: UInt64(seed))
        } catch {
            throw AppError.invalidField(error.field, error.message)
        }
        let judge = try body.string("judge", maxLength: 300)
        if let judge, futureJudges.contains(where: { judge.hasPrefix($0) }) {
            throw AppError.invalidField("judge", "judge '\(judge)' is not available yet: this server judges with oracle:<task> (text tasks) and preferences (stored human judgements)")
        }
        if let task {
            try task.rejectUnknown(["kind", "name"])
            let name = try task.requiredString("name", maxLength: 64)
            guard let builtIn = TextTasks.named(name) else {
                throw AppError.invalidField("task.name", "no text task '\(name)'; built in: \(TextTasks.all.map(\.name).joined(separator: ", "))")
            }
            if body.fields["dataset"] != nil {
                throw AppError.invalidField("dataset", "a run learns from a task or from a dataset, not both")
            }
            let oracle = "oracle:\(builtIn.name)"
            if let judge, judge != oracle { throw AppError.invalidField("judge", "a run on task '\(name)' is judged by '\(oracle)'") }
            return (spec, TrainingSource(task: builtIn, filter: nil, judge: oracle))
        }
        let filter = try DatasetFilter(try JSONObject.object(body.fields["dataset"] ?? NSNull(), path: "dataset").withoutNulls)
        guard !spec.algorithm.isOnline else {
            throw AppError.invalidField("task", "\(algorithm) is online: it samples from the policy and needs a task whose oracle judges the samples")
        }
        if let judge, judge != "preferences" {
            throw AppError.invalidField("judge", "a run on stored preferences is judged by them ('preferences')")
        }
        return (spec, TrainingSource(task: nil, filter: filter, judge: "preferences"))
    }
}

extension JSONValue {
    init(hyper: HyperValue) {
        switch hyper {
        case .number(let value): self = .number(value)
        case .string(let value): self = .string(value)
        case .bool(let value): self = .bool(value)
        }
    }
}
