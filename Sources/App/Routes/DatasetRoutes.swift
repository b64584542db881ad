import Foundation
import HTTP1
import HTTPServer
import Storage
import StrictJSON

/// Export to and import from TRL's preference formats, and agreement and annotator statistics.
struct DatasetRoutes {
    let database: Database
    let auth: Authenticator
    let imports: ImportTracker
    /// The largest import body; past `ImportLimits.inMemory` it is spooled to a file and imported in the background.
    let importMaxBytes: Int

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
        registerImport(on: &router)
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
            var annotators = AnnotatorAgreement.Tally()
            try database.read { connection in
                try PreferenceRepository.forEachComparison(PreferenceFilter(dataset: request.query("dataset")), on: connection) { preferences in
                    if let item = Agreement.item(forComparison: preferences) { tally.add(item) }
                    annotators.add(forComparison: preferences)
                }
            }
            return try JSONResponse.make(["items": tally.reports.map { AgreementBody($0, annotators: annotators.reports(dataset: $0.dataset)) }])
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
