import Storage
import StrictJSON
import Testing

/// Import lines go through the strict JSON reader: NUL, duplicate keys and deep nesting are line errors naming the
/// field, the last two marked unreadable (the API answers them 400, as for a body); the file imports nothing.
@Suite struct ImportLineErrorJSONTests {
    func errors(_ lines: [String]) -> [ImportLineError] {
        do {
            _ = try PreferenceImport.parse(Array(lines.joined(separator: "\n").utf8))
            return []
        } catch {
            return error.errors
        }
    }

    @Test func readerRefusalsNameLineFieldAndCode() {
        let good = #"{"prompt":"P","chosen":"yes","rejected":"no"}"#
        let found = errors([
            good,
            #"{"prompt":"P","chosen":"a\u0000","rejected":"no"}"#,
            #"{"prompt":"P","chosen":"yes","rejected":"no","prompt":"Q"}"#,
            #"{"prompt":"P","chosen":"yes","rejected":"no","meta":{"a":"# + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "}}",
            #"{"prompt":"P","chosen":"yes","rejected":"no""#,
        ])
        #expect(found.map(\.line) == [2, 3, 4, 5])
        #expect(found.map(\.field) == ["chosen", "prompt", "meta.a" + String(repeating: "[0]", count: 62), nil])
        #expect(found.map(\.unreadable) == [nil, .duplicateKey, .tooDeep, nil])
    }

    /// An ignored key may nest as deep as the limit allows (64 containers, the line's own object included).
    @Test func ignoredKeysWithinTheLimitAreRead() throws {
        let line = #"{"prompt":"P","chosen":"yes","rejected":"no","extra":"# + String(repeating: "[", count: 63) + String(repeating: "]", count: 63) + "}"
        #expect(try PreferenceImport.parse(Array(line.utf8)).count == 1)
    }
}
