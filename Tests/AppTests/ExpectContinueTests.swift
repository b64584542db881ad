import Foundation
import Storage
import Testing
import TestSupport

/// `Expect: 100-continue` on the real routes: `100 Continue` only once the route and the token
/// are known good, otherwise the final status first (so a client never uploads for nothing).
@Suite struct ExpectContinueTests {
    @Test(arguments: TestStores.backends)
    func aRequestWithoutAValidTokenGets401BeforeSendingItsBody(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let head = "POST /v1/models/upload?name=x HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n"
        for authorization in ["", "Authorization: Bearer not-a-token\r\n"] {
            let client = try app.client()
            try client.send(head + authorization + "\r\n")
            let response = try client.readResponse()
            #expect(response.status == 401)
            #expect(response.header("content-type")?.hasPrefix("application/problem+json") == true)
            #expect(client.isClosedByPeer())
        }
        let unknown = try app.client()
        try unknown.send("POST /v1/nowhere HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n")
        #expect(try unknown.readResponse().status == 404)

        let allowed = try app.client()
        try allowed.send("POST /v1/models/upload?name=x HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\nContent-Type: application/octet-stream\r\n"
                         + "Authorization: Bearer \(app.tokens["researcher"] ?? "")\r\n\r\n")
        #expect(try allowed.readResponse().status == 100)
        try allowed.send("junk")
        #expect(try allowed.readResponse().status == 422)
    }

    /// Without the expectation, an upload's head is still checked before its body: a request with no valid token is
    /// refused at once, so it cannot make the server hold up to the route's 768 MiB first; a valid one is read on.
    @Test(arguments: TestStores.backends)
    func aLargeBodysHeadWithoutAValidTokenIs401BeforeItsBody(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let head = "POST /v1/models/upload?name=x HTTP/1.1\r\nHost: t\r\nContent-Length: 500000000\r\nContent-Type: application/octet-stream\r\n"
        for authorization in ["", "Authorization: Bearer not-a-token\r\n"] {
            let client = try app.client()
            try client.send(head + authorization + "\r\n")
            let response = try client.readResponse()
            #expect(response.status == 401, "\(response)")
            #expect(client.isClosedByPeer())
        }
        let allowed = try app.client()
        try allowed.send("POST /v1/models/upload?name=x HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nContent-Type: application/octet-stream\r\n"
                         + "Authorization: Bearer \(app.tokens["researcher"] ?? "")\r\n\r\n")
        try allowed.send("junk")
        #expect(try allowed.readResponse().status == 422, "the head passed, the body was read and judged")
    }
}
