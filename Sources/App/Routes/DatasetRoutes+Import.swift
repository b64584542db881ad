import Foundation
import HTTP1
import HTTPServer
import Storage
import StrictJSON

/// `POST /v1/preferences/import`: TRL preference JSONL (standard, conversational, UltraFeedback-binarized) or
/// Anthropic-HH transcripts, all or nothing. A body up to 16 MiB is imported in the request (201); a larger one
/// (up to `importMaxBytes`) is written to a file as it arrives, or any body with `?async=true`, and is imported
/// in the background: 202 with `Location: /v1/imports/{id}`, whose progress `GET` shows.
extension DatasetRoutes {
    /// Bodies up to this stay in memory and may be imported in the request.
    static let inMemoryImportBytes = 16 << 20
    /// Rows stored per statement by a background import.
    static let importBatch = 200

    func registerImport(on router: inout Router) {
        let database = database
        let imports = imports
        router.post("/v1/preferences/import", maxBodyBytes: importMaxBytes, spoolAbove: Self.inMemoryImportBytes,
                    handler: auth.require(Roles.researchers) { request, principal in
            let dataset = try datasetParameter(request)
            let async = try Self.flag(request, "async", values: ["true", "false"]) == "true"
            // Checked on every import, though only imports answered in the request replay by it.
            _ = try Idempotency.key(request)
            if let spooled = request.spooledBody {
                return try Self.startBackground(request, .file(path: spooled.path), keeping: spooled, size: spooled.count, dataset: dataset,
                                                annotator: principal.name, database: database, imports: imports)
            }
            if async {
                // A body held in memory is checked before the answer: a bad file is a 422 here, as in the request.
                do {
                    guard try !PreferenceImport.parse(request.body, limits: Self.backgroundLimits).isEmpty else { throw Self.emptyImport }
                } catch let error as PreferenceImportFailure {
                    throw Self.problem(error)
                }
                return try Self.startBackground(request, .bytes(request.body), keeping: nil, size: request.body.count, dataset: dataset,
                                                annotator: principal.name, database: database, imports: imports)
            }
            let imported: [ImportedPreference]
            do {
                imported = try PreferenceImport.parse(request.body)
            } catch let error as PreferenceImportFailure {
                throw Self.problem(error)
            }
            guard !imported.isEmpty else { throw Self.emptyImport }
            // The chosen response is stored as A and judged `a`: the import is one judgement per line.
            let items = imported.map { Self.preference($0, dataset: dataset) }
            let annotator = principal.name
            return try Idempotency.create(request, principal: principal, database: database) { connection in
                // Imported lines carry no comparison ids, so no line can name a missing one; named as lines all the same.
                let created = try AppError.naming({ "line \(($1 ?? 0) + 1).comparison_id" }) {
                    try PreferenceRepository.insert(items, annotator: annotator, on: connection)
                }
                return CreatedResponse(status: .created, body: Array(try JSONResponse.encoder.encode(ImportSummary(imported: created.count, ids: created.map(\.id)))))
            }
        })
        router.get("/v1/imports/:id", handler: auth.require(Roles.researchers) { request, _ in
            let id = request.parameters["id"] ?? ""
            guard let status = imports.get(id) else {
                throw AppError(.notFound, code: "not_found", detail: "no import '\(id)' on this server (finished imports are kept until 100 more finish)")
            }
            return try JSONResponse.make(status)
        })
    }

    /// A background import is bounded by its size, not by its number of lines.
    static let backgroundLimits = PreferenceImportLimits(maxLines: 100_000_000)

    static let emptyImport = AppError(.unprocessableContent, code: "invalid_import", detail: "the file holds no lines", field: "")

    static func preference(_ row: ImportedPreference, dataset: String?) -> NewPreference {
        NewPreference(prompt: row.prompt, responseA: row.chosen, responseB: row.rejected, choice: .a, dataset: dataset,
                      promptMessages: row.promptMessages, metadata: row.metadata.map(JSONValue.object))
    }

    static func problem(_ error: PreferenceImportFailure) -> AppError {
        let errors = error.errors.map { FieldError(line: $0.line, field: $0.field ?? "", message: $0.message) }
        return AppError.invalidImport(errors, truncated: error.truncated, unreadable: error.errors.lazy.compactMap(\.unreadable).first.map(AppError.code))
    }

    /// Answers 202 and imports on a thread of its own: one pass checks every line (nothing stored), a second
    /// stores them in one transaction, so a bad line anywhere stores nothing. `keeping` holds the spooled file
    /// until the import is done.
    static func startBackground(_ request: ServerRequest, _ source: ImportSource, keeping: SpooledBody?, size: Int, dataset: String?, annotator: String,
                                database: Database, imports: ImportTracker) throws -> ServerResponse {
        guard let id = imports.start(dataset: dataset, bytesTotal: size) else {
            var busy = ErrorMapping.response(for: AppError(.tooManyRequests, code: "imports_busy",
                                                           detail: "\(ImportTracker.concurrent) imports are running; retry later"), request: request)
            busy.headers.replaceOrAdd(name: "Retry-After", value: "10")
            return busy
        }
        let thread = Thread {
            run(id: id, source: source, dataset: dataset, annotator: annotator, database: database, imports: imports)
            withExtendedLifetime(keeping) {}
        }
        thread.name = "preflab-import"
        thread.start()
        var response = try JSONResponse.make(imports.get(id), status: .accepted)
        response.headers.add(name: "Location", value: "/v1/imports/\(id)")
        return response
    }

    private static func run(id: String, source: ImportSource, dataset: String?, annotator: String, database: Database, imports: ImportTracker) {
        let limits = backgroundLimits
        let report: @Sendable (ImportProgress) -> Void = { progress in
            imports.update(id) { $0.bytesRead = progress.bytesRead; $0.rowsRead = progress.rowsRead }
        }
        do {
            var rows = 0
            try PreferenceImport.scan(source, limits: limits, progress: report) { _ in rows += 1 }
            guard rows > 0 else { throw emptyImport }
            imports.update(id) { $0.status = .importing; $0.bytesRead = 0; $0.rowsRead = 0 }
            let imported = try database.write { connection -> Int in
                var batch: [NewPreference] = []
                var count = 0
                try PreferenceImport.scan(source, limits: limits, progress: report) { row in
                    batch.append(preference(row, dataset: dataset))
                    if batch.count == importBatch {
                        count += try PreferenceRepository.insertInline(batch, annotator: annotator, on: connection)
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                return count + (try PreferenceRepository.insertInline(batch, annotator: annotator, on: connection))
            }
            imports.finish(id) { $0.status = .succeeded; $0.imported = imported }
        } catch let failure as PreferenceImportFailure {
            imports.finish(id) {
                $0.status = .failed
                $0.errors = failure.errors.map { FieldError(line: $0.line, field: $0.field ?? "", message: $0.message) }
                $0.errorsTruncated = failure.truncated
            }
        } catch {
            let detail = (error as? AppError)?.detail ?? "the import could not be stored: \(error)"
            imports.finish(id) {
                $0.status = .failed
                $0.errors = [FieldError(field: "", message: detail)]
            }
        }
    }
}
