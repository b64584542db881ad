import Foundation
import HTTP1
import HTTPServer
import Storage

/// What the annotation page needs beyond the queue: datasets with their progress (the page's picker and the
/// researcher view), per-dataset guidelines, and undo.
struct AnnotationRoutes {
    let database: Database
    let auth: Authenticator

    func register(on router: inout Router) {
        let database = database
        // An annotator sees the datasets it may still judge in or has judged in, with its own counts.
        router.get("/v1/datasets", handler: auth.require(Roles.annotators.union([.ci])) { _, principal in
            let annotator = principal.role == .annotator ? principal.name : nil
            let items = try database.read { try AnnotationRepository.progress(annotator: annotator, on: $0) }
            return try JSONResponse.make(["items": items])
        })
        router.get("/v1/datasets/:name/guidelines", handler: auth.require(Roles.annotators.union([.ci])) { request, _ in
            let name = request.parameters["name"] ?? ""
            guard Self.validName(name), let guidelines = try database.read({ try AnnotationRepository.guidelines(dataset: name, on: $0) }) else {
                throw AppError(.notFound, code: "not_found", detail: "dataset '\(name)' has no guidelines")
            }
            return try JSONResponse.make(guidelines)
        })
        router.put("/v1/datasets/:name/guidelines", handler: auth.require(Roles.researchers) { request, principal in
            let name = request.parameters["name"] ?? ""
            guard Self.validName(name) else {
                throw AppError(.unprocessableContent, code: "invalid_parameter", detail: "a dataset name has 1 to 200 characters and no NUL", field: "name")
            }
            let object = try JSONObject.object(try JSONObject.parse(request.body), path: "")
            try object.rejectUnknown(["markdown"])
            let markdown = try object.string("markdown", required: true, maxLength: 100_000, allowEmpty: true) ?? ""
            let who = principal.name
            let saved = try database.write { try AnnotationRepository.setGuidelines(dataset: name, markdown: markdown, by: who, on: $0) }
            return try JSONResponse.make(saved)
        })
        // Undo is a new row that withdraws the judgement (the log keeps both); the comparison is leased back.
        router.post("/v1/preferences/:id/undo", handler: auth.require(Roles.annotators) { request, principal in
            let id = request.parameters["id"] ?? ""
            let annotator = principal.name
            let result: (undo: Preference, lease: Lease)?
            do {
                result = try database.write { try AnnotationRepository.undo(id: id, annotator: annotator, leaseSeconds: 600, on: $0) }
            } catch let refusal as UndoRefusal {
                switch refusal.kind {
                case .notUndoable:
                    throw AppError(.conflict, code: "not_undoable", detail: "only a judgement of a comparison can be undone", field: "id")
                case .superseded:
                    throw AppError(.conflict, code: "superseded", detail: "a later judgement (or an undo) of this comparison exists", field: "id")
                case .windowPassed(let seconds):
                    throw AppError(.conflict, code: "undo_window_passed", detail: "a judgement can be undone within \(seconds) seconds", field: "id")
                }
            }
            guard let result else { throw AppError(.notFound, code: "not_found", detail: "no preference '\(id)' of yours") }
            var response = try JSONResponse.make(UndoBody(undo: result.undo, item: QueueItem(result.lease)), status: .created)
            response.headers.add(name: "Location", value: "/v1/preferences/\(result.undo.id)")
            return response
        })
    }
}

extension AnnotationRoutes {
    /// A dataset name as the API takes it elsewhere: 1 to 200 characters, no NUL (which PostgreSQL cannot store).
    static func validName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.count <= 200 && !name.utf8.contains(0)
    }
}

/// The undo row, and the comparison leased back to the annotator to judge again.
struct UndoBody: Encodable, Sendable {
    var undo: Preference
    var item: QueueItem
}
