import Foundation
import Storage
import Testing
import TestSupport

/// A body is taken only in the media type its route documents (item 2): JSON routes `application/json`,
/// imports `application/jsonl`, uploads `application/octet-stream`; anything else is 415 and writes nothing.
@Suite struct MediaTypeTests {
    /// Fails before the fix: every one of these bodies was parsed whatever its Content-Type, and stored (201).
    @Test(arguments: TestStores.backends)
    func bodiesInAnotherMediaTypeAreRefusedWith415(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let prompt = Array(#"{"text": "hello"}"#.utf8)
        for type in ["text/plain", "application/x-www-form-urlencoded", "application/jsonl", "application/json; charset=latin-1", nil] {
            let response = try app.call("POST", "/v1/prompts", as: "researcher", raw: prompt, headers: type.map { ["Content-Type": $0] } ?? [:])
            #expect(response.status == 415, "\(type ?? "none"): \(response)")
            #expect(response.json["code"] as? String == "unsupported_media_type")
            #expect(response.json["field"] as? String == "Content-Type")
        }
        let line = Array(#"{"prompt":"P","chosen":"yes","rejected":"no"}"#.utf8)
        #expect(try app.call("POST", "/v1/preferences/import", as: "researcher", raw: line,
                             headers: ["Content-Type": "application/json"]).status == 415)
        #expect(try app.call("POST", "/v1/prompts/import", as: "researcher", raw: Array(#"{"text": "a"}"#.utf8),
                             headers: ["Content-Type": "text/plain"]).status == 415)
        #expect(try app.call("POST", "/v1/models/upload?name=x", as: "researcher", raw: line,
                             headers: ["Content-Type": "application/json"]).status == 415)
        #expect(try app.count("prompts") == 0)
        #expect(try app.count("preferences") == 0)
        #expect(try app.count("models") == 0)

        for type in ["application/json", "Application/JSON; charset=UTF-8", "application/json;charset=\"utf-8\""] {
            #expect(try app.call("POST", "/v1/prompts", as: "researcher", raw: prompt, headers: ["Content-Type": type]).status == 201, "\(type)")
        }
        #expect(try app.call("POST", "/v1/preferences/import", as: "researcher", raw: line,
                             headers: ["Content-Type": "application/jsonl; charset=utf-8"]).status == 201)
        #expect(try app.count("prompts") == 3)
        // A bodiless POST needs no type.
        #expect(try app.call("POST", "/v1/runs/run_000000000000000000000000/cancel", as: "researcher").status == 404)
    }
}
