import HTTP1
import HTTPServer

/// Refuses a request body whose `Content-Type` is not the one its route documents (415
/// `unsupported_media_type`), before authentication or parsing. Without it a browser form (`text/plain`,
/// `application/x-www-form-urlencoded`) could post a JSON-looking body cross-site, and a client sending the
/// wrong file to a route would get a confusing parse error instead of a clear refusal.
struct MediaTypeMiddleware: HTTPMiddleware {
    /// Routes whose body is not JSON, by route pattern; every other route with a body takes `application/json`.
    static let bodyTypes: [String: String] = [
        "/v1/preferences/import": "application/jsonl",
        "/v1/prompts/import": "application/jsonl",
        "/v1/models/upload": "application/octet-stream",
    ]

    func respond(to request: ServerRequest, next: (ServerRequest) throws -> ServerResponse) throws -> ServerResponse {
        // Unrouted requests get their 404/405 from the router; bodiless ones (a cancel) have nothing to type.
        guard !request.body.isEmpty || request.spooledBody != nil, let route = request.route, [.post, .put, .patch].contains(request.method) else {
            return try next(request)
        }
        let expected = Self.bodyTypes[route] ?? "application/json"
        guard let header = request.headers["content-type"], Self.matches(header, expected) else {
            let given = request.headers["content-type"].map { "'\($0)'" } ?? "no Content-Type"
            return ErrorMapping.response(for: AppError(.unsupportedMediaType, code: "unsupported_media_type",
                                                       detail: "this route takes '\(expected)' (UTF-8); the request sent \(given)",
                                                       field: "Content-Type"), request: request)
        }
        return try next(request)
    }

    /// `type/subtype` equal (case-insensitively) to `expected`; a `charset` parameter, if any, must be UTF-8.
    static func matches(_ header: String, _ expected: String) -> Bool {
        let parts = header.split(separator: ";", omittingEmptySubsequences: false)
        guard let type = parts.first, type.trimmingSpaces.lowercased() == expected else { return false }
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return false }
            guard pair[0].trimmingSpaces.lowercased() == "charset" else { continue }
            var value = pair[1].trimmingSpaces
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = value.dropFirst().dropLast() }
            guard value.lowercased() == "utf-8" else { return false }
        }
        return true
    }
}

private extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
