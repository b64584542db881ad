import Foundation
import Storage
import Testing
import TestSupport

/// Conversational imports keep their messages, UltraFeedback rows import, extra columns come back: on both stores.
@Suite struct LosslessDatasetTests {
    /// Three-turn conversations with system prompts, written as the export writes JSON (compact, keys `prompt`,
    /// `chosen`, `rejected` and `role`, `content` in that order, raw UTF-8, `\n` and `"` escaped).
    static let conversational = [
        #"{"prompt":[{"role":"system","content":"You are terse.\nAnswer in one line."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello."},{"role":"user","content":"Capital of France?"},{"role":"assistant","content":"Paris."},{"role":"user","content":"And of \"Japan\" 🗾?"}],"chosen":[{"role":"assistant","content":"Tokyo."}],"rejected":[{"role":"assistant","content":"Kyoto, I think."}]}"#,
        #"{"prompt":[{"role":"system","content":"Be kind."},{"role":"user","content":"2+2?"},{"role":"assistant","content":"4"},{"role":"user","content":"3+3?"},{"role":"assistant","content":"6"},{"role":"user","content":"é+é?"}],"chosen":[{"role":"assistant","content":"That is not arithmetic."}],"rejected":[{"role":"assistant","content":"2é"}]}"#,
        #"{"prompt":[{"role":"user","content":"Just one turn"}],"chosen":[{"role":"assistant","content":"Yes"}],"rejected":[{"role":"assistant","content":"No"}]}"#,
    ].map { $0 + "\n" }.joined()

    func importFile(_ app: AppFixture, _ text: String, dataset: String) throws -> RawClient.Response {
        try app.call("POST", "/v1/preferences/import?dataset=\(dataset)", as: "researcher", raw: Array(text.utf8),
                     headers: ["Content-Type": "application/jsonl"])
    }

    @Test(arguments: TestStores.backends)
    func conversationalRoundTripIsByteIdentical(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        #expect(try importFile(app, Self.conversational, dataset: "chat").status == 201)
        let exported = try app.call("GET", "/v1/preferences/export?dataset=chat&format=conversational", as: "researcher")
        #expect(exported.status == 200)
        #expect(exported.text == Self.conversational)
        // The models still read one text: the transcript rendering, system turn included.
        let standard = try app.call("GET", "/v1/preferences/export?dataset=chat", as: "researcher").text
        let first = try #require(standard.split(separator: "\n").first)
        let row = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        #expect((row["prompt"] as? String)?.hasPrefix("\n\nSystem: You are terse.") == true)
    }

    @Test(arguments: TestStores.backends)
    func ultraFeedbackImportsWithItsScoresAsMetadata(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let lines = [
            #"{"prompt":"Name a prime.","prompt_id":"ab12","chosen":[{"role":"user","content":"Name a prime."},{"role":"assistant","content":"7"}],"rejected":[{"role":"user","content":"Name a prime."},{"role":"assistant","content":"9"}],"messages":[{"role":"user","content":"Name a prime."},{"role":"assistant","content":"7"}],"score_chosen":8.5,"score_rejected":2.0}"#,
            #"{"prompt":"Say hi","prompt_id":"cd34","chosen":[{"role":"user","content":"Say hi"},{"role":"assistant","content":"Hi!"}],"rejected":[{"role":"user","content":"Say hi"},{"role":"assistant","content":"No."}],"score_chosen":9,"score_rejected":1,"source":"evol"}"#,
        ]
        let imported = try importFile(app, lines.joined(separator: "\n") + "\n", dataset: "uf")
        #expect(imported.status == 201)
        #expect(imported.json["imported"] as? Int == 2)
        let rows = try app.call("GET", "/v1/preferences/export?dataset=uf", as: "researcher").text.split(separator: "\n")
        #expect(rows.first == #"{"prompt":"Name a prime.","chosen":"7","rejected":"9"}"#)
        let provenance = try app.call("GET", "/v1/preferences/export?dataset=uf&part=provenance", as: "researcher").text
            .split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(provenance.count == 2)
        let first = provenance.first?["metadata"] as? [String: Any]
        #expect(first?["prompt_id"] as? String == "ab12")
        #expect(first?["score_chosen"] as? Double == 8.5)
        #expect(first?["score_rejected"] as? Double == 2)
        #expect((first?["messages"] as? [[String: String]])?.last?["content"] == "7")
        let second = provenance.last?["metadata"] as? [String: Any]
        #expect(second?["source"] as? String == "evol")
        #expect(second?["score_chosen"] as? Double == 9)
        // Conversations that disagree before the reply are refused, naming the field and line.
        let bad = #"{"prompt":"x","chosen":[{"role":"user","content":"x"},{"role":"assistant","content":"a"}],"rejected":[{"role":"user","content":"y"},{"role":"assistant","content":"b"}]}"#
        let refused = try importFile(app, bad + "\n", dataset: "uf")
        #expect(refused.status == 422)
        #expect(refused.text.contains("rejected"))
    }

    @Test(arguments: TestStores.backends)
    func standardRowsKeepExtraColumns(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let line = #"{"prompt":"Q","chosen":"good","rejected":"bad","id":17,"tags":["a","b"],"nested":{"k":null}}"#
        #expect(try importFile(app, line + "\n", dataset: "extra").status == 201)
        let exported = try app.call("GET", "/v1/preferences/export?dataset=extra", as: "researcher").text
        #expect(exported == #"{"prompt":"Q","chosen":"good","rejected":"bad"}"# + "\n")
        let provenance = try app.call("GET", "/v1/preferences/export?dataset=extra&part=provenance", as: "researcher").text
        #expect(provenance.contains(#""metadata":{"id":17,"nested":{"k":null},"tags":["a","b"]}"#))
    }

    @Test(arguments: TestStores.backends)
    func conversationalComparisonKeepsItsMessagesForThePage(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let messages: [[String: String]] = [["role": "system", "content": "Be brief."], ["role": "user", "content": "Hi?"]]
        let created = try app.call("POST", "/v1/comparisons", as: "researcher", json: [
            "prompt": messages, "response_a": "Hello.", "response_b": "Hey", "dataset": "conv"])
        #expect(created.status == 201)
        #expect(created.json["prompt"] as? String == "\n\nSystem: Be brief.\n\nHuman: Hi?")
        let next = try app.call("GET", "/v1/queue/next?dataset=conv", as: "ann1")
        #expect(next.json["prompt_messages"] as? [[String: String]] == messages)
        let wrong = try app.call("POST", "/v1/comparisons", as: "researcher", json: [
            "prompt": [["role": "user"]], "response_a": "a", "response_b": "b"])
        #expect(wrong.status == 422)
        #expect(wrong.json["field"] as? String == "prompt[0].content" || wrong.text.contains("prompt[0].content"))
    }
}
