import App
import Foundation
import HTTP1
import HTTPServer
import Logging

/// `make bench-http`'s server: the product's application (same server, same
/// middleware, same `/livez`) plus one benchmark-only route, `POST /bench/echo`,
/// that decodes a preference-sized JSON body and encodes it back, as the
/// preference route will. The product never registers it.
@main
enum HTTPBench {
    struct Preference: Codable {
        var comparison_id: String
        var choice: String
        var strength: Int?
        var rationale: String?
        var time_spent_ms: Int?
        var annotator: String?
        var metadata: [String: String]?
    }

    static func main() throws {
        var arguments = ArraySlice(CommandLine.arguments.dropFirst())
        var config = AppConfiguration(port: 8089, database: .sqlite(path: NSTemporaryDirectory() + "/preflab-bench.sqlite"), logLevel: .warning)
        while let flag = arguments.popFirst() {
            guard let value = arguments.popFirst() else { throw ConfigurationError("\(flag) needs a value") }
            switch flag {
            case "--host": config.host = value
            case "--port": config.port = Int(value) ?? config.port
            case "--workers": config.workers = Int(value) ?? config.workers
            default: throw ConfigurationError("unknown flag \(flag)")
            }
        }
        let level = config.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let app = try Application(configuration: config, logger: Logger(label: "preflab-bench")) { router in
            // CPU-only, like the decode half of the preference route: runs on the event loop.
            router.post("/bench/echo", execution: .inline) { request in
                let decoder = JSONDecoder()
                guard let preference = try? decoder.decode(Preference.self, from: Data(request.body)) else {
                    throw AppError(.badRequest, code: "invalid_json", detail: "body is not a preference")
                }
                let body = try JSONEncoder().encode(preference)
                return ServerResponse(contentType: "application/json", body: Array(body))
            }
        }
        try app.run()
    }
}
