import Alignment
import Foundation
import Policy
import Storage

/// A validated `POST /v1/runs` body. Validation runs twice on the same JSON: when the run is posted
/// (every problem becomes a 4xx naming its field, and nothing is stored) and when a worker executes
/// the stored request, so what runs is exactly what was accepted.
struct RunRequest {
    enum Task {
        case tabular(TabularRun)
        /// A transformer policy trained on a built-in text task or on stored preferences.
        case training(TrainingSpec, TrainingSource)
    }

    static let fields: Set<String> = ["name", "algorithm", "model", "reference", "task", "dataset", "judge", "hyperparameters", "seed"]

    var name: String?
    var algorithm: String
    var task: Task
    var modelID: String?
    var referenceID: String?
    var seed: Int
    var warnings: [String]
    /// The request as stored: what was posted, with defaults filled in.
    var spec: JSONValue
    /// Steps the progress counts to.
    var totalSteps: Int

    init(_ posted: JSONObject) throws {
        // A JSON null counts as an absent field, here and one level down (task, dataset, hyperparameters).
        let body = posted.withoutNulls
        try body.rejectUnknown(Self.fields)
        name = try body.string("name", maxLength: 200)
        algorithm = try body.requiredString("algorithm", maxLength: 64)
        seed = try body.integer("seed", range: 0...Int(Int32.max)) ?? 0
        let taskObject = try body.fields["task"].map { try JSONObject.object($0, path: "task").withoutNulls }
        let hyper = try body.fields["hyperparameters"].map { try JSONObject.object($0, path: "hyperparameters").withoutNulls }
            ?? JSONObject(fields: [:], path: "hyperparameters")
        if taskObject == nil, body.fields["dataset"] == nil {
            throw AppError.invalidField("task", "a run needs a task ({\"kind\": \"tabular\", ...} or {\"kind\": \"text\", \"name\": ...}) or a dataset filter")
        }
        var stored: [String: JSONValue] = [:]
        for (key, value) in body.fields { stored[key] = JSONValue(value) }
        stored["seed"] = .number(Double(seed))
        if let taskObject, try taskObject.oneOf("kind", ["tabular", "text"], required: true) == "tabular" {
            for key in ["model", "reference", "dataset"] where body.fields[key] != nil {
                throw AppError.invalidField(key, "a tabular run has no \(key): its policy is a probability vector over the game's responses")
            }
            if let judge = try body.string("judge"), judge != "matrix" {
                throw AppError.invalidField("judge", "a tabular run is judged by its preference matrix ('matrix')")
            }
            let run = try Self.tabular(algorithm: algorithm, task: taskObject, hyperparameters: hyper)
            task = .tabular(run)
            warnings = run.warnings
            totalSteps = run.iterations
            modelID = nil
            referenceID = nil
            stored["judge"] = .string("matrix")
            var effective: [String: JSONValue] = [:]
            if algorithm != "dpo" { effective["iterations"] = .number(Double(run.iterations)) }
            if let beta = run.beta { effective["beta"] = .number(beta) }
            if let eta = run.eta { effective["eta"] = .number(eta) }
            stored["hyperparameters"] = .object(effective)
        } else {
            let (spec, source) = try Self.training(body, algorithm: algorithm, task: taskObject, hyperparameters: hyper, seed: seed)
            task = .training(spec, source)
            warnings = spec.warnings
            totalSteps = spec.totalSteps
            modelID = try body.string("model", maxLength: 64)
            if spec.algorithm == .sft, body.fields["reference"] != nil {
                throw AppError.invalidField("reference", "sft takes no reference: it learns from examples alone")
            }
            referenceID = spec.algorithm == .sft ? nil : (try body.string("reference", maxLength: 64) ?? modelID)
            if modelID == nil, !(spec.algorithm == .sft && source.task != nil) {
                throw AppError.invalidField("model", "\(algorithm) needs the id of the policy to train")
            }
            stored["judge"] = .string(source.judge)
            stored["hyperparameters"] = .object(spec.values.mapValues(JSONValue.init(hyper:)))
            if let filter = source.filter { stored["dataset"] = filter.tree }
            if let referenceID { stored["reference"] = .string(referenceID) }
        }
        spec = .object(stored)
    }

    /// The models named by the request exist, are policies with one architecture, and (on a text task)
    /// have the context the task needs (422 naming `model` or `reference` otherwise).
    func checkModels(on connection: any SQLConnection) throws {
        var architecture: String?
        for (field, id) in [("model", modelID), ("reference", referenceID)] {
            guard let id else { continue }
            guard let record = try ModelRepository.get(id: id, on: connection) else { throw MissingReference(field: field, id: id) }
            guard record.kind == "policy" else {
                throw AppError.invalidField(field, "\(id) is a \(record.kind); runs train and compare policies")
            }
            if let architecture, architecture != record.architecture {
                throw AppError.invalidField(field, "model and reference must share one architecture")
            }
            architecture = record.architecture
            if case .training(let spec, let source) = task, let textTask = source.task,
               let config = try? JSONDecoder().decode(GPTConfig.self, from: Data(record.architecture.utf8)) {
                let needed = textTask.contextNeeded(for: spec)
                guard config.context >= needed else {
                    throw AppError.invalidField(field, "\(id) has a context of \(config.context) tokens; task '\(textTask.name)' needs \(needed) (its longest prompt and the response budget)")
                }
            }
        }
    }

    /// The game, start and hyperparameters of a tabular run; errors name `task.preference_matrix`,
    /// `task.reference`, `task.initial` or `hyperparameters.<key>`.
    static func tabular(algorithm: String, task: JSONObject, hyperparameters: JSONObject) throws -> TabularRun {
        try task.rejectUnknown(["kind", "preference_matrix", "reference", "initial"])
        let rows = try numberMatrix(task.fields["preference_matrix"], field: "task.preference_matrix")
        guard rows.count >= 2, rows.count <= 64 else {
            throw AppError.invalidField("task.preference_matrix", "the game needs 2 to 64 responses")
        }
        let matrix: PreferenceMatrix
        do { matrix = try PreferenceMatrix(rows) } catch { throw AppError.invalidField("task.preference_matrix", error.message) }
        let reference = try probabilities(task.fields["reference"], field: "task.reference", count: rows.count)
        let game: TabularGame
        do { game = try TabularGame(matrix: matrix, reference: reference) } catch { throw AppError.invalidField("task.reference", error.message) }
        let initial = try task.fields["initial"].map { try probabilities($0, field: "task.initial", count: rows.count) }
        var values: [String: Double] = [:]
        for (key, value) in hyperparameters.fields {
            guard let number = value as? NSNumber, !isBoolean(number) else {
                throw AppError.invalidField("hyperparameters.\(key)", "\(key) must be a number")
            }
            values[key] = number.doubleValue
        }
        do {
            return try TabularRun(algorithm: algorithm, game: game, initial: initial, hyperparameters: values)
        } catch {
            throw AppError.invalidField(error.field, error.message)
        }
    }

    static func numberMatrix(_ value: Any?, field: String) throws -> [[Double]] {
        guard let rows = value as? [Any] else { throw AppError.invalidField(field, "\(field) must be an array of rows of numbers") }
        return try rows.enumerated().map { i, row in try numbers(row, field: "\(field)[\(i)]") }
    }

    static func numbers(_ value: Any?, field: String) throws -> [Double] {
        guard let items = value as? [Any], items.count <= 64 else { throw AppError.invalidField(field, "\(field) must be an array of at most 64 numbers") }
        return try items.enumerated().map { j, item in
            guard let number = item as? NSNumber, !isBoolean(number), number.doubleValue.isFinite else {
                throw AppError.invalidField("\(field)[\(j)]", "must be a finite number")
            }
            return number.doubleValue
        }
    }

    static func probabilities(_ value: Any?, field: String, count: Int) throws -> ProbabilityVector {
        let values = try numbers(value, field: field)
        guard values.count == count else { throw AppError.invalidField(field, "\(field) needs \(count) probabilities, one per response") }
        do { return try ProbabilityVector(values) } catch { throw AppError.invalidField(field, error.message) }
    }
}
