import Foundation
import HTTP1
import HTTPServer
import Service
import Storage

/// `/v1/preferences`: post one or a batch, list with filters, get one.
struct PreferenceRoutes {
    let database: Database
    let auth: Authenticator

    static let fields: Set<String> = [
        "comparison_id", "prompt", "response_a", "response_b", "choice", "strength", "rationale", "time_spent_ms",
        "shown_first", "dataset", "annotator",
    ]

    func register(on router: inout Router) {
        let database = database
        // The hot path of annotation: parsed and validated on the event loop, answered from
        // the group commit that makes it durable, with no thread parked per request.
        router.post("/v1/preferences", execution: .inline, handler: auth.require(Roles.annotators) { request, principal in
            let body = try CreateBody.parse(request.body)
            let items = try body.objects.map { try Self.newPreference($0, principal: principal) }
            let single = body.isSingle
            let prefix: @Sendable (Int) -> String = { single ? "" : "items[\($0)]." }
            let annotator = principal.name
            return try Idempotency.createDeferred(request, principal: principal, database: database) { connection in
                let created = try AppError.naming({ prefix($1 ?? 0) + "comparison_id" }) {
                    try PreferenceRepository.insert(items, annotator: annotator, on: connection)
                }
                // A run waiting for these judgements resumes; completed batches and datasets are announced.
                try HumanJudgements.recorded(created, on: connection)
                if single, let first = created.first {
                    return CreatedResponse(status: .created, body: FastJSON.encode(first), location: "/v1/preferences/\(first.id)")
                }
                return CreatedResponse(status: .created, body: FastJSON.encodeList(created))
            }
        })
        router.get("/v1/preferences", handler: auth.require(Roles.annotators.union([.ci])) { request, principal in
            let page = try PageRequest(request)
            let filter = try Self.filter(request, principal: principal)
            let result = try database.read { try PreferenceRepository.list(filter, after: page.after, limit: page.size, on: $0) }
            return try JSONResponse.make(ListBody(items: result.items, nextPageToken: result.nextPageToken))
        })
        router.get("/v1/preferences/:id", handler: auth.require(Roles.annotators.union([.ci])) { request, principal in
            let id = request.parameters["id"] ?? ""
            // An annotator sees only its own judgements; others' look absent rather than forbidden.
            guard let preference = try database.read({ try PreferenceRepository.get(id: id, on: $0) }),
                principal.role != .annotator || preference.annotator == principal.name
            else { throw AppError(.notFound, code: "not_found", detail: "no preference '\(id)'") }
            return try JSONResponse.make(preference)
        })
    }

    static func newPreference(_ object: JSONObject, principal: Principal) throws -> NewPreference {
        try object.rejectUnknown(fields)
        if let annotator = try object.string("annotator"), annotator != principal.name {
            throw AppError(.forbidden, code: "forbidden", detail: "a judgement is recorded for the token's own annotator ('\(principal.name)')",
                           field: object.name("annotator"))
        }
        guard let choiceText = try object.oneOf("choice", Choice.allCases.map(\.rawValue), required: true),
            let choice = Choice(rawValue: choiceText)
        else { throw AppError.invalidField(object.name("choice"), "\(object.name("choice")) is required") }
        let comparisonID = try object.string("comparison_id", maxLength: 64)
        try Self.checkAnnotatorScope(object, comparisonID: comparisonID, principal: principal)
        var item = NewPreference(
            comparisonID: comparisonID, choice: choice, strength: try object.integer("strength", range: 1...3),
            rationale: try object.string("rationale", maxLength: 10_000, allowEmpty: true),
            shownFirst: try object.oneOf("shown_first", ["a", "b"], required: false),
            timeSpentMS: try object.integer("time_spent_ms", range: 0...86_400_000),
            dataset: try object.string("dataset", maxLength: 200))
        if comparisonID == nil {
            item.prompt = try object.requiredString("prompt")
            item.responseA = try object.requiredString("response_a")
            item.responseB = try object.requiredString("response_b")
        } else {
            for key in ["prompt", "response_a", "response_b"] where object.fields[key] != nil {
                throw AppError.invalidField(object.name(key), "\(object.name(key)) comes from the comparison; omit it with comparison_id")
            }
        }
        return item
    }

    /// Annotators judge the comparisons researchers give them; they do not create data. An inline judgement
    /// (its own prompt and responses) creates a comparison's worth of data in any dataset it names, and a
    /// `dataset` beside `comparison_id` would file the judgement under another dataset than its comparison's:
    /// both are for researchers and admins.
    static func checkAnnotatorScope(_ object: JSONObject, comparisonID: String?, principal: Principal) throws {
        guard principal.role == .annotator else { return }
        guard comparisonID != nil else {
            throw AppError(.forbidden, code: "forbidden",
                           detail: "annotators judge comparisons they were given: send comparison_id; inline judgements (prompt, response_a, response_b) are for researchers",
                           field: object.name("comparison_id"))
        }
        if object.present("dataset") != nil {
            throw AppError(.forbidden, code: "forbidden", detail: "a judgement belongs to its comparison's dataset; annotators may not name another",
                           field: object.name("dataset"))
        }
    }

    /// Filters from the query; an annotator is always limited to its own judgements.
    static func filter(_ request: ServerRequest, principal: Principal) throws -> PreferenceFilter {
        var filter = PreferenceFilter(annotator: request.query("annotator"), comparisonID: request.query("comparison_id"),
                                      dataset: request.query("dataset"))
        if let choice = request.query("choice") {
            guard let parsed = Choice(rawValue: choice) else {
                throw AppError(.badRequest, code: "invalid_parameter", detail: "choice must be one of a, b, tie, skip", field: "choice")
            }
            filter.choice = parsed
        }
        for (name, keyPath) in [("since", \PreferenceFilter.since), ("until", \PreferenceFilter.until)] {
            guard let text = request.query(name) else { continue }
            guard let date = RFC3339.parse(text) else {
                throw AppError(.badRequest, code: "invalid_parameter", detail: "\(name) must be an ISO 8601 time such as 2026-01-31T12:00:00Z", field: name)
            }
            filter[keyPath: keyPath] = date
        }
        if principal.role == .annotator {
            if let asked = filter.annotator, asked != principal.name {
                throw AppError(.forbidden, code: "forbidden", detail: "annotators may read only their own judgements", field: "annotator")
            }
            filter.annotator = principal.name
        }
        return filter
    }
}
