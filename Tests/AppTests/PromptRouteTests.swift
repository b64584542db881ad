import Foundation
import Storage
import Testing
import TestSupport

/// `/v1/prompts` over real sockets, on both stores.
@Suite struct PromptRouteTests {
    @Test(arguments: TestStores.backends)
    func createGetAndList(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let created = try app.call("POST", "/v1/prompts", as: "researcher", json: ["text": "Explain DPO.", "dataset": "d1", "tags": ["rl"]])
        #expect(created.status == 201)
        let id = try #require(created.json["id"] as? String)
        #expect(created.header("location") == "/v1/prompts/\(id)")
        #expect(created.json["tags"] as? [String] == ["rl"])
        let fetched = try app.call("GET", "/v1/prompts/\(id)", as: "ann1")
        #expect(fetched.json["text"] as? String == "Explain DPO.")
        #expect(fetched.json["created_at"] is String)

        let batch = try app.call("POST", "/v1/prompts", as: "researcher",
                                 json: ["items": (1...4).map { ["text": "p\($0)", "dataset": "d2"] }])
        #expect(batch.status == 201)
        #expect((batch.json["items"] as? [Any])?.count == 4)

        // Cursor pagination visits every prompt of d2 once, in creation order.
        var seen: [String] = []
        var token: String?
        repeat {
            let page = try app.call("GET", "/v1/prompts?dataset=d2&page_size=3" + (token.map { "&page_token=\($0)" } ?? ""), as: "ci")
            #expect(page.status == 200)
            seen += (page.json["items"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
            token = page.json["next_page_token"] as? String
        } while token != nil
        #expect(seen == ["p1", "p2", "p3", "p4"])
        #expect(try app.call("GET", "/v1/prompts/prm_missing").status == 404)
    }

    @Test(arguments: TestStores.backends)
    func authenticationAndRoles(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let anonymous = try app.call("POST", "/v1/prompts", as: nil, json: ["text": "x"])
        #expect(anonymous.status == 401)
        #expect(anonymous.json["code"] as? String == "unauthenticated")
        let forged = try app.call("GET", "/v1/prompts", as: nil, headers: ["Authorization": "Bearer pl_not-a-real-token"])
        #expect(forged.status == 401)
        let annotator = try app.call("POST", "/v1/prompts", as: "ann1", json: ["text": "x"])
        #expect(annotator.status == 403)
        #expect(annotator.json["code"] as? String == "forbidden")
        #expect(try app.count("prompts") == 0)
    }

    /// Each bad body gets a 4xx problem naming the field, and nothing is written.
    @Test(arguments: TestStores.backends)
    func badInputWritesNothing(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let cases: [(body: [UInt8], status: Int, code: String, field: String?)] = [
            (Array(#"{"text": "unterminated"#.utf8), 400, "invalid_json", ""),
            ([0x7B, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D], 400, "invalid_utf8", ""),
            (Array(#"{"text": 42}"#.utf8), 422, "invalid_field", "text"),
            (Array(#"{"text": ""}"#.utf8), 422, "invalid_field", "text"),
            (Array(#"{"txt": "typo"}"#.utf8), 422, "unknown_field", "txt"),
            (Array(#"{"text": "ok", "tags": ["a", 3]}"#.utf8), 422, "invalid_field", "tags[1]"),
            (Array(#"{"items": [{"text": "fine"}, {"text": null}]}"#.utf8), 422, "invalid_field", "items[1].text"),
            (Array(#"[1, 2]"#.utf8), 422, "invalid_field", ""),
            ([], 400, "empty_body", ""),
        ]
        for item in cases {
            let response = try app.call("POST", "/v1/prompts", as: "researcher", raw: item.body, headers: ["Content-Type": "application/json"])
            #expect(response.status == item.status, "\(String(decoding: item.body, as: UTF8.self))")
            #expect(response.header("content-type") == "application/problem+json")
            #expect(response.json["code"] as? String == item.code)
            #expect(response.json["field"] as? String == item.field)
        }
        #expect(try app.count("prompts") == 0)
    }

    @Test(arguments: TestStores.backends)
    func fiftyMegabyteBodyIsRefused(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let client = try app.client()
        try client.send("POST /v1/prompts HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: \(50 * 1024 * 1024)\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 413)
        #expect(response.json["code"] as? String == "body_too_large")
        #expect(try app.count("prompts") == 0)
    }

    /// A retried POST gets the first answer; the same key with another body gets 422.
    @Test(arguments: TestStores.backends)
    func idempotencyKeyReplaysTheFirstResponse(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let first = try app.call("POST", "/v1/prompts", as: "researcher", json: ["text": "once"], headers: ["Idempotency-Key": "k-1"])
        let again = try app.call("POST", "/v1/prompts", as: "researcher", json: ["text": "once"], headers: ["Idempotency-Key": "k-1"])
        #expect(first.status == 201 && again.status == 201)
        #expect(first.json["id"] as? String == again.json["id"] as? String)
        #expect(again.header("location") == first.header("location"))
        #expect(try app.count("prompts") == 1)
        let reused = try app.call("POST", "/v1/prompts", as: "researcher", json: ["text": "different"], headers: ["Idempotency-Key": "k-1"])
        #expect(reused.status == 422)
        #expect(reused.json["code"] as? String == "idempotency_key_reused")
        #expect(try app.count("prompts") == 1)
    }

    @Test(arguments: TestStores.backends)
    func jsonlImportIsAllOrNothing(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let bad = "{\"text\": \"a\"}\n{\"text\": 5}\n\n{\"prompt\": \"c\"}\nnot json\n"
        let refused = try app.call("POST", "/v1/prompts/import", as: "researcher", raw: Array(bad.utf8), headers: ["Content-Type": "application/jsonl"])
        #expect(refused.status == 422)
        let errors = refused.json["errors"] as? [[String: Any]] ?? []
        #expect(errors.compactMap { $0["line"] as? Int } == [2, 5])
        #expect(try app.count("prompts") == 0)
        let good = "{\"text\": \"a\"}\n{\"prompt\": \"b\", \"tags\": [\"x\"]}\n"
        let imported = try app.call("POST", "/v1/prompts/import?dataset=imp", as: "researcher", raw: Array(good.utf8), headers: ["Content-Type": "application/jsonl"])
        #expect(imported.status == 201)
        #expect(imported.json["imported"] as? Int == 2)
        let listed = try app.call("GET", "/v1/prompts?dataset=imp")
        #expect((listed.json["items"] as? [Any])?.count == 2)
    }
}
