import App
import Foundation
import TestSupport
import Logging
import Storage
import Testing

/// Every error the server produces is RFC 9457 problem+json with a stable code.
@Suite struct ProblemResponseTests {
    func withApp(_ body: (Int) throws -> Void) throws {
        let app = try Application(configuration: AppConfiguration(port: 0, database: try TestStores.location(.sqlite), workers: 2, logLevel: .warning),
                                  logger: Logger(label: "test"), migrator: TestStores.migrator)
        try app.start()
        defer {
            app.stop()
        }
        try body(app.server.port)
    }

    func problem(_ response: RawClient.Response) throws -> [String: Any] {
        #expect(response.header("content-type") == "application/problem+json")
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test func notFound() throws {
        try withApp { port in
            let response = try RawClient(port: port).get("/v1/nope")
            #expect(response.status == 404)
            let document = try problem(response)
            #expect(document["code"] as? String == "not_found")
            #expect(document["status"] as? Int == 404)
            #expect(document["type"] as? String == "/problems/not_found")
            #expect(document["instance"] as? String == response.header("x-request-id"))
        }
    }

    @Test func methodNotAllowedListsAllow() throws {
        try withApp { port in
            let client = try RawClient(port: port)
            try client.send("DELETE /livez HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 405)
            #expect(response.header("allow") == "GET, HEAD")
            #expect(try problem(response)["code"] as? String == "method_not_allowed")
        }
    }

    /// Parser failures carry the parser's code, and the connection is closed.
    @Test(arguments: [
        ("GET /livez HTTP/1.1\r\n\r\n", 400, "missing_host"),
        ("GET /livez HTTP/3.0\r\nHost: t\r\n\r\n", 505, "unsupported_version"),
        ("POST /livez HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400, "conflicting_content_length"),
        ("POST /livez HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999\r\n\r\n", 413, "body_too_large"),
        ("GET /\(String(repeating: "x", count: 9000)) HTTP/1.1\r\nHost: t\r\n\r\n", 414, "request_line_too_long"),
        ("GET /livez HTTP/1.1\r\nHost: t\r\nX: \(String(repeating: "y", count: 17000))\r\n\r\n", 431, "headers_too_large"),
        ("POST /livez HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: br\r\n\r\n", 501, "unsupported_transfer_encoding"),
    ])
    func parserErrors(request: String, status: Int, code: String) throws {
        try withApp { port in
            let client = try RawClient(port: port)
            try client.send(request)
            let response = try client.readResponse()
            #expect(response.status == status)
            #expect(try problem(response)["code"] as? String == code)
            #expect(client.isClosedByPeer())
        }
    }

    @Test func unknownMethodIs501() throws {
        try withApp { port in
            let client = try RawClient(port: port)
            try client.send("BREW /coffee HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 501)
            #expect(try problem(response)["code"] as? String == "method_not_implemented")
        }
    }
}
