@testable import App
import Foundation
import Storage
import Testing

/// The hand-written encoder must produce byte for byte what JSONEncoder produces.
@Suite struct FastJSONTests {
    static let texts = ["plain", "", "quote \" and \\ backslash", "line\nbreak\ttab\r\u{08}\u{0C}", "ctrl \u{01}\u{1F}",
                        "slash / and unicode é 👋 \u{2028}", "<b>&</b>"]

    func preference(_ i: Int) -> Preference {
        let t = Self.texts
        return Preference(
            id: "pref_\(i)", comparisonID: i % 2 == 0 ? nil : "cmp_\(i)", prompt: t[i % t.count], responseA: t[(i + 1) % t.count],
            responseB: t[(i + 2) % t.count], choice: Choice.allCases[i % 4], strength: i % 3 == 0 ? nil : i % 3,
            rationale: i % 2 == 0 ? t[(i + 3) % t.count] : nil, annotator: "ann\(i)", shownFirst: i % 2 == 0 ? "b" : nil,
            timeSpentMS: i % 5 == 0 ? nil : i * 1000, dataset: i % 3 == 0 ? "d" : nil,
            createdAt: Date(timeIntervalSince1970: 1_700_000_000.123456 + Double(i)),
            promptMessages: i % 4 == 1 ? [ChatMessage(role: "system", content: t[i % t.count]), ChatMessage(role: "user", content: "hi")] : nil,
            metadata: i % 3 == 1 ? .object(["score_chosen": .number(8.5), "prompt_id": .string(t[i % t.count]), "n": .number(3)]) : nil,
            undoes: i % 7 == 6 ? "pref_\(i - 1)" : nil)
    }

    @Test(arguments: 0..<14)
    func matchesJSONEncoder(i: Int) throws {
        let p = preference(i)
        #expect(FastJSON.encode(p) == Array(try JSONResponse.encoder.encode(p)))
    }

    @Test func listMatchesListBody() throws {
        let items = (0..<5).map(preference)
        #expect(FastJSON.encodeList(items) == Array(try JSONResponse.encoder.encode(ListBody(items: items, nextPageToken: nil))))
    }

    /// Timestamps are UTC with six fractional digits, before 1970 too.
    @Test func timestampsAreRFC3339WithMicroseconds() {
        #expect(ISO8601Time.string(Date(timeIntervalSince1970: 1_700_000_000.123456)) == "2023-11-14T22:13:20.123456Z")
        #expect(ISO8601Time.string(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500000Z")
        #expect(ISO8601Time.string(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000000Z")
        #expect(ISO8601Time.bytes(Date(timeIntervalSince1970: 4_102_444_799.999999)) == Array("2099-12-31T23:59:59.999999Z".utf8))
        #expect(ISO8601Time.string(Date(timeIntervalSince1970: 253_402_300_800)) == "10000-01-01T00:00:00.000000Z")
    }
}
