import Foundation
import HTTPServer
import Service
import Storage

/// Scoring with stored reward and preference models:
///
/// - `POST /v1/models/{id}/scores`: `{"items": [{"prompt", "response"}]}` to a reward model gives
///   `{"scores": [...]}` (raw) and, when the model stores `reward_mean`/`reward_std`, `normalized_scores`
///   ((score − mean) / std); `{"items": [{"prompt", "response_a", "response_b"}]}` to a preference model gives
///   `{"probabilities": [...]}`, P(a ≻ b).
/// - `POST /v1/models/{id}/get_reward`: OpenRLHF's remote reward-model protocol (`--remote_rm_url`):
///   `{"query": ["prompt+response", ...], "prompts"?: [...], "labels"?: [...]}` gives `{"rewards": [...]}`.
///
/// Up to `inlineMax` items are scored here, on the model's bounded slot (503 `model_busy` over it); larger
/// batches are split into shards over the worker pools (``ShardedScorer``). Both paths run the same
/// per-item computation (``Scoring``), so the scores are identical whichever path or worker computed them.
struct ScoreRoutes {
    let database: Database
    let auth: Authenticator
    let cache: ModelCache
    let scorer: ShardedScorer
    /// Batches of at most this many items are scored inline.
    let inlineMax: Int
    /// The most items one request may hold.
    let maxItems: Int

    func register(on router: inout Router) {
        let routes = self
        router.post("/v1/models/:id/scores", handler: ModelRoutes.answeringBusy(auth.require(Roles.everyone) { request, _ in
            let record = try ModelRoutes.record(request, database)
            guard let mode = ScoringMode(kind: record.kind) else {
                throw AppError(.unprocessableContent, code: "not_a_scoring_model",
                               detail: "\(record.id) is a \(record.kind); scores come from reward_model and preference_model models")
            }
            let items = try routes.items(request.body, mode: mode)
            let (scores, metadata) = try routes.score(record, mode: mode, items: items)
            switch mode {
            case .rewards:
                return try JSONResponse.make(RewardScoresBody(scores: scores, normalizedScores: Scoring.normalised(scores, metadata: metadata),
                                                              rewardMean: metadata["reward_mean"].flatMap(Double.init),
                                                              rewardStd: metadata["reward_std"].flatMap(Double.init)))
            case .probabilities:
                return try JSONResponse.make(["probabilities": scores])
            }
        }))
        router.post("/v1/models/:id/get_reward", handler: ModelRoutes.answeringBusy(auth.require(Roles.everyone) { request, _ in
            let record = try ModelRoutes.record(request, database)
            guard ScoringMode(kind: record.kind) == .rewards else {
                throw AppError(.unprocessableContent, code: "not_a_scoring_model",
                               detail: "\(record.id) is a \(record.kind); get_reward needs a reward_model")
            }
            let items = try routes.queries(request.body)
            let (scores, metadata) = try routes.score(record, mode: .rewards, items: items)
            // As OpenRLHF's `serve_rm --normalize_reward`: normalised with the statistics stored with the model.
            let rewards = Scoring.normalised(scores, metadata: metadata) ?? scores
            return try JSONResponse.make(["rewards": rewards, "scores": rewards])
        }))
    }

    /// Inline for small batches, sharded over the pools for large ones.
    func score(_ record: ModelRecord, mode: ScoringMode, items: [ScoringItem]) throws -> (scores: [Double], metadata: [String: String]) {
        let (context, metadata) = try cache.with(record, database: database) { loaded in
            (loaded.trunk.config.context, loaded.metadata)
        }
        if let long = items.firstIndex(where: { Scoring.tokenCount($0, mode: mode) > context }) {
            let field = mode == .rewards ? "response" : "response_b"
            throw AppError.invalidField("items[\(long)].\(field)", "prompt plus response(s) exceeds the model's context of \(context) tokens")
        }
        do {
            if items.count <= inlineMax {
                return (try cache.with(record, database: database) { try Scoring.compute($0, mode: mode, items: items) }, metadata)
            }
            return (try scorer.score(model: record, mode: mode, items: items), metadata)
        } catch let error as ScoringError {
            switch error {
            case .modelMissing: throw AppError(.notFound, code: "not_found", detail: error.description)
            case .shardFailed: throw AppError(.serviceUnavailable, code: "scoring_failed", detail: error.description)
            case .timedOut: throw AppError(.serviceUnavailable, code: "scoring_timeout", detail: error.description)
            }
        }
    }

    /// `{"items": [...]}` of the mode's shape, 1 to `maxItems` of them.
    func items(_ body: [UInt8], mode: ScoringMode) throws -> [ScoringItem] {
        let top = try JSONObject.object(try JSONObject.parse(body), path: "")
        try top.rejectUnknown(["items"])
        guard case .array(let array)? = top.fields["items"], !array.isEmpty else {
            throw AppError.invalidField("items", "items must be a non-empty array")
        }
        guard array.count <= maxItems else { throw AppError.invalidField("items", "items holds at most \(maxItems) entries") }
        return try array.enumerated().map { index, value in
            let object = try JSONObject.object(value, path: "items[\(index)]")
            let prompt = try object.string("prompt", required: true, allowEmpty: true) ?? ""
            switch mode {
            case .rewards:
                try object.rejectUnknown(["prompt", "response"])
                return ScoringItem(prompt: prompt, response: try object.string("response", required: true, allowEmpty: true) ?? "")
            case .probabilities:
                try object.rejectUnknown(["prompt", "response_a", "response_b"])
                return ScoringItem(prompt: prompt, response: try object.string("response_a", required: true, allowEmpty: true) ?? "",
                                   responseB: try object.string("response_b", required: true, allowEmpty: true) ?? "")
            }
        }
    }

    /// OpenRLHF's body: each query is prompt and response concatenated. With `prompts` (one per query), a
    /// query that starts with its prompt is split there, so the model reads (prompt, response) as it was trained;
    /// otherwise the whole query is the response to an empty prompt. `labels` are accepted and not used.
    func queries(_ body: [UInt8]) throws -> [ScoringItem] {
        let top = try JSONObject.object(try JSONObject.parse(body), path: "")
        try top.rejectUnknown(["query", "prompts", "labels"])
        guard case .array(let queries)? = top.fields["query"], !queries.isEmpty else {
            throw AppError.invalidField("query", "query must be a non-empty array of strings")
        }
        guard queries.count <= maxItems else { throw AppError.invalidField("query", "query holds at most \(maxItems) entries") }
        var prompts: [JSONValue]?
        if let given = top.fields["prompts"], given != .null {
            guard case .array(let array) = given, array.count == queries.count else {
                throw AppError.invalidField("prompts", "prompts must be an array with one string per query")
            }
            prompts = array
        }
        if let labels = top.fields["labels"], labels != .null {
            guard case .array = labels else { throw AppError.invalidField("labels", "labels must be an array") }
        }
        return try queries.enumerated().map { index, value in
            guard case .string(let query) = value, !query.utf8.contains(0) else {
                throw AppError.invalidField("query[\(index)]", "query[\(index)] must be a string without NUL")
            }
            guard let prompts else { return ScoringItem(prompt: "", response: query) }
            guard case .string(let prompt) = prompts[index], !prompt.utf8.contains(0) else {
                throw AppError.invalidField("prompts[\(index)]", "prompts[\(index)] must be a string without NUL")
            }
            guard query.utf8.starts(with: prompt.utf8) else { return ScoringItem(prompt: "", response: query) }
            return ScoringItem(prompt: prompt, response: String(decoding: query.utf8.dropFirst(prompt.utf8.count), as: UTF8.self))
        }
    }
}

struct RewardScoresBody: Encodable, Sendable {
    var scores: [Double]
    var normalizedScores: [Double]?
    var rewardMean: Double?
    var rewardStd: Double?
}
