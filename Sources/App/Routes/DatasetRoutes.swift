import Foundation
import HTTP1
import HTTPServer
import Storage
import StrictJSON

/// Export to and import from TRL's preference formats, and agreement and annotator statistics.
struct DatasetRoutes {
    let database: Database
    let auth: Authenticator

    func register(on router: inout Router) {
        let database = database
        // JSONL in TRL's formats. Several judgements of one comparison are resolved by majority;
        // `part=provenance` streams the sidecar instead, aligned line by line with the rows.
        router.get("/v1/preferences/export", handler: auth.require(Roles.readers) { request, principal in
            let options = try Self.exportOptions(request)
            let provenance = try Self.flag(request, "part", values: ["rows", "provenance"]) == "provenance"
            let filter = try PreferenceRoutes.filter(request, principal: principal)
            let export = TRLExport(options: TRLExportOptions(format: options.format, tiePolicy: options.ties, provenance: provenance))
            var headers: HTTPHeaders = ["Content-Type": "application/jsonl; charset=utf-8"]
            headers.add(name: "Content-Disposition", value: "attachment; filename=\"\(provenance ? "provenance" : "preferences").jsonl\"")
            // Read from a cursor while writing: one comparison's preferences and one 64 KiB buffer in
            // memory, whatever the dataset's size. A store failure part-way cuts the body short.
            return ServerResponse(status: .ok, headers: headers, body: .stream { writer in
                var buffer: [UInt8] = []
                try database.readWhileStreaming { connection in
                    try PreferenceRepository.forEachComparison(filter, on: connection) { preferences in
                        for row in export.rows(forComparison: preferences) {
                            buffer += provenance ? (row.provenance ?? []) : row.line
                        }
                        if buffer.count >= 64 * 1024 {
                            try writer.write(buffer)
                            buffer.removeAll(keepingCapacity: true)
                        }
                    }
                }
                try writer.write(buffer)
            })
        })
        // TRL preference JSONL or Anthropic-HH transcripts; every line is checked before anything is stored.
        router.post("/v1/preferences/import", handler: auth.require(Roles.researchers) { request, principal in
            let imported: [ImportedPreference]
            do {
                imported = try PreferenceImport.parse(request.body)
            } catch let error as PreferenceImportFailure {
                let errors = error.errors.map { FieldError(line: $0.line, field: $0.field ?? "", message: $0.message) }
                throw AppError.invalidImport(errors, truncated: error.truncated, unreadable: error.errors.lazy.compactMap(\.unreadable).first.map(AppError.code))
            }
            guard !imported.isEmpty else { throw AppError(.unprocessableContent, code: "invalid_import", detail: "the file holds no lines", field: "") }
            let dataset = try datasetParameter(request)
            // The chosen response is stored as A and judged `a`: the import is one judgement per line.
            let items = imported.map {
                NewPreference(prompt: $0.prompt, responseA: $0.chosen, responseB: $0.rejected, choice: .a, dataset: dataset)
            }
            let annotator = principal.name
            return try Idempotency.create(request, principal: principal, database: database) { connection in
                // Imported lines carry no comparison ids, so no line can name a missing one; named as lines all the same.
                let created = try AppError.naming({ "line \(($1 ?? 0) + 1).comparison_id" }) {
                    try PreferenceRepository.insert(items, annotator: annotator, on: connection)
                }
                return CreatedResponse(status: .created, body: Array(try JSONResponse.encoder.encode(ImportSummary(imported: created.count, ids: created.map(\.id)))))
            }
        })
        router.get("/v1/comparisons/:id/agreement", handler: auth.require(Roles.readers) { request, _ in
            let id = request.parameters["id"] ?? ""
            guard try database.read({ try ComparisonRepository.get(id: id, on: $0) }) != nil else {
                throw AppError(.notFound, code: "not_found", detail: "no comparison '\(id)'")
            }
            var item = AgreementItem(comparisonID: id, dataset: nil, votes: VoteCounts())
            try database.read { connection in
                try PreferenceRepository.forEachComparison(PreferenceFilter(comparisonID: id), on: connection) { preferences in
                    if let found = Agreement.item(forComparison: preferences) { item = found }
                }
            }
            return try JSONResponse.make(ItemAgreementBody(item))
        })
        router.get("/v1/stats/agreement", handler: auth.require(Roles.readers) { request, _ in
            var tally = Agreement.DatasetTally()
            try database.read { connection in
                try PreferenceRepository.forEachComparison(PreferenceFilter(dataset: request.query("dataset")), on: connection) { preferences in
                    if let item = Agreement.item(forComparison: preferences) { tally.add(item) }
                }
            }
            return try JSONResponse.make(["items": tally.reports.map(AgreementBody.init)])
        })
        router.get("/v1/stats/annotators", handler: auth.require(Roles.readers) { request, _ in
            let stats = try database.read { try PreferenceRepository.annotatorStats(dataset: request.query("dataset"), on: $0) }
            return try JSONResponse.make(["items": stats.map(AnnotatorBody.init)])
        })
    }

    static func exportOptions(_ request: ServerRequest) throws -> (format: TRLExportFormat, ties: TiePolicy) {
        let format = try flag(request, "format", values: TRLExportFormat.allCases.map(\.rawValue)).flatMap(TRLExportFormat.init(rawValue:))
        let ties = try flag(request, "ties", values: TiePolicy.allCases.map(\.rawValue)).flatMap(TiePolicy.init(rawValue:))
        return (format ?? .standard, ties ?? .drop)
    }

    static func flag(_ request: ServerRequest, _ name: String, values: [String]) throws -> String? {
        guard let value = request.query(name) else { return nil }
        guard values.contains(value) else {
            throw AppError(.badRequest, code: "invalid_parameter", detail: "\(name) must be one of \(values.joined(separator: ", "))", field: name)
        }
        return value
    }
}
