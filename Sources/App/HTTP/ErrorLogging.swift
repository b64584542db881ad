public import HTTPServer
public import Logging

extension ErrorMapping {
    /// ``ErrorMapping/response(for:request:)`` that also logs every server error once, at `error`, with
    /// the request id the response tells the client to quote, the route and the error itself. A 503
    /// (store unavailable, overload) is expected under load and is reported where its episode starts
    /// instead, so an outage does not write one line per request.
    public static func logging(_ logger: Logger) -> @Sendable (any Error, ServerRequest) -> ServerResponse {
        { error, request in
            let response = response(for: error, request: request)
            if response.status.code >= 500, response.status.code != 503 {
                logger.error("request failed", metadata: [
                    "request_id": "\(request.requestID)",
                    "route": "\(request.method) \(request.route ?? "-")",
                    "error": "\(String(reflecting: error))",
                ])
            }
            return response
        }
    }
}
