import Foundation
import Storage
import Testing
import TestSupport

/// What text may enter, on every route and import path, on both stores: no NUL, no key given twice, no nesting
/// deeper than 64; each refusal names the line and field and writes nothing.
@Suite struct TextInputTests {
    static let json = ["Content-Type": "application/json"]
    static let jsonl = ["Content-Type": "application/jsonl"]

    func importPreferences(_ app: AppFixture, _ lines: [String]) throws -> RawClient.Response {
        try app.call("POST", "/v1/preferences/import?dataset=imp", as: "researcher", raw: Array(lines.joined(separator: "\n").utf8),
                     headers: Self.jsonl)
    }

    func lineErrors(_ response: RawClient.Response) -> [String] {
        (response.json["errors"] as? [[String: Any]] ?? []).map { "\($0["line"] as? Int ?? 0):\($0["field"] as? String ?? "-")" }
    }

    func rows(_ app: AppFixture) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in ["prompts", "comparisons", "preferences", "models", "runs"] { counts[table] = try app.count(table) }
        return counts
    }

    /// Item 1. Fails before the fix: the preference import took `\u0000` (201); SQLite stored it, PostgreSQL kept only
    /// the text before it, so line 2's chosen and rejected were exported identical and line 3 lost its Assistant turn.
    @Test(arguments: TestStores.backends)
    func nulIsRefusedOnEveryPathNamingLineAndField(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let refused = try importPreferences(app, [
            #"{"prompt":"P","chosen":"yes","rejected":"no"}"#,
            #"{"prompt":"P","chosen":"same\u0000 but longer","rejected":"same"}"#,
            #"{"chosen":"\n\nHuman: Hi\u0000\n\nAssistant: Hello!","rejected":"\n\nHuman: Hi\u0000\n\nAssistant: Go away."}"#,
            #"{"chosen":[{"role":"user","content":"Hi"},{"role":"assistant","content":"A\u0000"}],"rejected":[{"role":"user","content":"Hi"},{"role":"assistant","content":"B"}]}"#,
        ])
        #expect(refused.status == 422, "\(refused)")
        #expect(refused.json["code"] as? String == "invalid_import")
        #expect(lineErrors(refused) == ["2:chosen", "3:chosen", "4:chosen[1].content"])

        let promptImport = try app.call("POST", "/v1/prompts/import", as: "researcher",
                                        raw: Array("{\"text\": \"fine\"}\n{\"text\": \"x\\u0000\"}\n".utf8), headers: Self.jsonl)
        #expect(promptImport.status == 422)
        #expect(lineErrors(promptImport) == ["2:text"])

        let tiny: [String: Any] = ["layers": 1, "dim": 16, "heads": 2, "context": 32]
        let architecture = String(decoding: try JSONSerialization.data(withJSONObject: tiny), as: UTF8.self)
        let bodies: [(path: String, body: String, field: String)] = [
            ("/v1/prompts", #"{"text": "a\u0000b"}"#, "text"),
            ("/v1/prompts", #"{"text": "ok", "tags": ["x", "y\u0000"]}"#, "tags[1]"),
            ("/v1/comparisons", #"{"prompt": "p", "response_a": "a", "response_b": "b", "model_a": "m\u0000"}"#, "model_a"),
            ("/v1/comparisons", #"{"prompt": "p", "response_a": "a", "response_b": "b", "dataset": "geo\u0000x"}"#, "dataset"),
            ("/v1/preferences", #"{"items": [{"prompt": "p", "response_a": "a", "response_b": "b", "choice": "a"}, {"prompt": "p", "response_a": "a\u0000", "response_b": "b", "choice": "a"}]}"#, "items[1].response_a"),
            ("/v1/models", #"{"name": "n\u0000", "architecture": \#(architecture)}"#, "name"),
            ("/v1/runs", #"{"algorithm": "sft", "name": "r\u0000", "task": {"kind": "text", "name": "styles"}}"#, "name"),
            ("/v1/runs", #"{"algorithm": "sft", "task": {"kind": "text", "name": "styles", "note": "\u0000"}}"#, "task.note"),
        ]
        for item in bodies {
            let response = try app.call("POST", item.path, as: "researcher", raw: Array(item.body.utf8), headers: Self.json)
            #expect(response.status == 422, "\(item.body): \(response)")
            #expect(response.json["field"] as? String == item.field, "\(item.body)")
            #expect(response.header("content-type") == "application/problem+json")
        }
        // Query text cannot carry a NUL either: the request target is refused before any route (400).
        let weights = Array("not read".utf8)
        #expect(try app.call("POST", "/v1/models/upload?name=a%00b", as: "researcher", raw: weights,
                             headers: ["Content-Type": "application/octet-stream"]).status == 400)
        #expect(try app.call("POST", "/v1/preferences/import?dataset=geo%00", as: "researcher",
                             raw: Array(#"{"prompt":"P","chosen":"yes","rejected":"no"}"#.utf8), headers: Self.jsonl).status == 400)
        #expect(try rows(app) == ["prompts": 0, "comparisons": 0, "preferences": 0, "models": 0, "runs": 0])
    }

    /// Item 2. Fails before the fix: the last value won, so `{"text":"\u0000","text":"ok"}` passed the NUL check and
    /// was stored (201), and an import line could say two things at once.
    @Test(arguments: TestStores.backends)
    func duplicateKeysAreRefused(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        // The example of the report is refused at its first fault, the NUL (before the fix: 201, "ok" stored).
        let example = try app.call("POST", "/v1/prompts", as: "researcher", raw: Array(#"{"text": "\u0000", "text": "ok"}"#.utf8), headers: Self.json)
        #expect(example.status == 422)
        #expect(example.json["field"] as? String == "text")
        let bodies: [(path: String, body: String, field: String)] = [
            ("/v1/prompts", #"{"text": "no", "text": "ok"}"#, "text"),
            ("/v1/preferences", #"{"items": [{"prompt": "p", "response_a": "a", "response_b": "b", "choice": "a", "choice": "b"}]}"#, "items[0].choice"),
        ]
        for item in bodies {
            let response = try app.call("POST", item.path, as: "researcher", raw: Array(item.body.utf8), headers: Self.json)
            #expect(response.status == 400, "\(item.body): \(response)")
            #expect(response.json["code"] as? String == "duplicate_key")
            #expect(response.json["field"] as? String == item.field)
        }
        let refused = try importPreferences(app, [
            #"{"prompt":"P","chosen":"yes","rejected":"no"}"#,
            #"{"prompt":"P","chosen":"yes","rejected":"no","chosen":"no"}"#,
        ])
        #expect(refused.status == 400, "\(refused)")
        #expect(refused.json["code"] as? String == "duplicate_key")
        #expect(lineErrors(refused) == ["2:chosen"])
        let prompts = try app.call("POST", "/v1/prompts/import", as: "researcher",
                                   raw: Array("{\"text\": \"a\", \"text\": \"b\"}\n".utf8), headers: Self.jsonl)
        #expect(prompts.status == 400)
        #expect(prompts.json["code"] as? String == "duplicate_key")
        #expect(lineErrors(prompts) == ["1:text"])
        #expect(try rows(app) == ["prompts": 0, "comparisons": 0, "preferences": 0, "models": 0, "runs": 0])
    }

    /// Item 8. Fails before the fix: the line below was parsed (in ~1.3 s: nested containers cost cubic time in the
    /// import's decoder) and imported, 201. Now reading is linear and stops at 64 levels, with 400 naming line and field.
    @Test(arguments: TestStores.backends)
    func deepNestingIsRefusedWith400(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let deep = String(repeating: "[", count: 511) + String(repeating: "]", count: 511)
        let refused = try importPreferences(app, [
            #"{"prompt":"P","chosen":"yes","rejected":"no"}"#,
            #"{"prompt":"P","chosen":"yes","rejected":"no","extra":\#(deep)}"#,
        ])
        #expect(refused.status == 400, "\(refused)")
        #expect(refused.json["code"] as? String == "nesting_too_deep")
        #expect(lineErrors(refused) == ["2:extra" + String(repeating: "[0]", count: 63)])
        let body = try app.call("POST", "/v1/prompts", as: "researcher", raw: Array(#"{"text": "x", "tags": \#(deep)}"#.utf8), headers: Self.json)
        #expect(body.status == 400)
        #expect(body.json["code"] as? String == "nesting_too_deep")
        #expect(try rows(app) == ["prompts": 0, "comparisons": 0, "preferences": 0, "models": 0, "runs": 0])
        // 64 levels, the top object included, are still read: an ignored key as deep as that imports.
        let deepest = String(repeating: "[", count: 63) + String(repeating: "]", count: 63)
        let accepted = try importPreferences(app, [#"{"prompt":"P","chosen":"yes","rejected":"no","extra":\#(deepest)}"#])
        #expect(accepted.status == 201, "\(accepted)")
        #expect(try app.count("preferences") == 1)
    }
}
