import Storage
import Testing

@Suite struct ImportUTF8Tests {
    private let prefix = bytes(#"{"prompt":"p","chosen":"a"#)
    private let suffix = bytes(#"","rejected":"b"}"#)

    @Test(arguments: [
        [UInt8]([0x80]),              // lone continuation byte
        [0xC0, 0xAF],                 // overlong "/"
        [0xF0, 0x9F, 0x98],           // emoji cut short
        [0xED, 0xA0, 0x80],           // UTF-16 surrogate encoded in UTF-8
        [0xFF],
    ])
    func rejectsInvalidUTF8WithItsPosition(bad: [UInt8]) {
        do {
            _ = try PreferenceImport.parse(bytes(#"{"prompt":"p","chosen":"a","rejected":"b"}"# + "\n") + prefix + bad + suffix)
            Issue.record("expected a failure")
        } catch {
            #expect(error.errors == [ImportLineError(line: 2, field: nil,
                                                     message: "invalid UTF-8 at byte \(prefix.count + 1) of the line")])
        }
    }

    @Test func keepsEmojiCombiningMarksAndEscapesExactly() throws {
        let line = #"{"prompt":"Rate 👍🏽 and 👩‍💻","chosen":"cafe\u0301 ✓","rejected":"\ud83d\ude00 ok"}"#
        let row = try #require(try PreferenceImport.parse(bytes(line)).first)
        #expect(Array(row.prompt.unicodeScalars) == Array("Rate 👍🏽 and 👩‍💻".unicodeScalars))
        #expect(Array(row.chosen.unicodeScalars) == Array("cafe\u{301} ✓".unicodeScalars))
        #expect(row.rejected == "😀 ok")
    }

    @Test func canonicallyEquivalentResponsesCountAsIdentical() {
        // "café" precomposed vs e + combining acute: the same text to a reader.
        do {
            _ = try PreferenceImport.parse(bytes(#"{"prompt":"p","chosen":"caf\u00e9","rejected":"cafe\u0301"}"#))
            Issue.record("expected a failure")
        } catch {
            #expect(error.errors.map(\.field) == ["rejected"])
        }
    }
}

@Suite struct ImportEscapedSurrogateTests {
    /// A lone UTF-16 surrogate escape names no character; it must not become text.
    @Test func rejectsALoneSurrogateEscape() {
        let error = #expect(throws: PreferenceImportFailure.self) {
            try PreferenceImport.parse(bytes(#"{"prompt":"p","chosen":"a\ud800","rejected":"b"}"#))
        }
        #expect(error?.errors == [ImportLineError(line: 1, field: nil, message: "invalid JSON")])
    }
}

@Suite struct ImportBlankReplyTests {
    @Test func aBlankFinalReplyNamesItsMessage() {
        let line = #"{"chosen":[{"role":"user","content":"q"},{"role":"assistant","content":" "}],"#
            + #""rejected":[{"role":"user","content":"q"},{"role":"assistant","content":"fine"}]}"#
        let error = #expect(throws: PreferenceImportFailure.self) { try PreferenceImport.parse(bytes(line)) }
        #expect(error?.errors.map(\.field) == ["chosen[1].content"])
    }
}
