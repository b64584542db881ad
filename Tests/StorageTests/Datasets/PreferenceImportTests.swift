import Storage
import Testing

@Suite struct PreferenceImportTests {
    private func parse(_ jsonl: String, limits: PreferenceImportLimits = PreferenceImportLimits()) throws -> [ImportedPreference] {
        try PreferenceImport.parse(bytes(jsonl), limits: limits)
    }

    /// The (line, field) pairs of a failed import, or [] if it succeeded.
    private func failures(_ data: [UInt8], limits: PreferenceImportLimits = PreferenceImportLimits()) -> [String] {
        do {
            _ = try PreferenceImport.parse(data, limits: limits)
            return []
        } catch {
            return error.errors.map { "\($0.line):\($0.field ?? "-")" }
        }
    }

    @Test func readsTRLStandardExplicitPrompt() throws {
        let rows = try parse(#"{"prompt":"The sky is","chosen":" blue.","rejected":" green.","score":1}"# + "\n")
        // Columns other than the row's own are kept as metadata.
        #expect(rows == [ImportedPreference(line: 1, prompt: "The sky is", chosen: " blue.", rejected: " green.",
                                            format: .standard, metadata: ["score": .number(1)])])
    }

    @Test func readsConversationalExplicitPrompt() throws {
        let line = #"{"prompt":[{"role":"system","content":"Be brief."},{"role":"user","content":"Colour of the sky?"}],"#
            + #""chosen":[{"role":"assistant","content":"Blue."}],"rejected":[{"role":"assistant","content":"Green."}]}"#
        let row = try #require(try parse(line).first)
        #expect(row.prompt == "\n\nSystem: Be brief.\n\nHuman: Colour of the sky?")
        #expect(row.promptMessages == [ChatMessage(role: "system", content: "Be brief."),
                                       ChatMessage(role: "user", content: "Colour of the sky?")])
        #expect((row.chosen, row.rejected, row.format) == ("Blue.", "Green.", .conversational))
    }

    @Test func readsConversationalImplicitPrompt() throws {
        let line = #"{"chosen":[{"role":"user","content":"Hi?"},{"role":"assistant","content":"Hello!"}],"#
            + #""rejected":[{"role":"user","content":"Hi?"},{"role":"assistant","content":"Go away."}]}"#
        let row = try #require(try parse(line).first)
        #expect((row.prompt, row.chosen, row.rejected) == ("Hi?", "Hello!", "Go away."))
        #expect(row.format == .conversationalImplicitPrompt)
    }

    @Test func exportedFilesImportBackUnchanged() throws {
        let prefs = [
            preference("p1", comparison: "c1", choice: .a, prompt: "Tell me a joke 😀", a: "Knock knock.", b: "No."),
            preference("p2", comparison: "c2", choice: .b, prompt: "Line\nbreaks \"quoted\"", a: "x", b: "y\tz"),
        ]
        for format in [TRLExportFormat.standard, .conversational] {
            let exported = TRLExport(options: TRLExportOptions(format: format)).jsonl(for: prefs).rows
            let rows = try PreferenceImport.parse(exported)
            #expect(rows.map(\.prompt) == ["Tell me a joke 😀", "Line\nbreaks \"quoted\""])
            #expect(rows.map(\.chosen) == ["Knock knock.", "y\tz"])
            #expect(rows.map(\.rejected) == ["No.", "x"])
        }
    }

    @Test func allOrNothingReportsEveryBadLine() {
        let file = [
            #"{"prompt":"ok","chosen":"a","rejected":"b"}"#,             // 1 good
            #"{"prompt":"ok","chosen":"a","rejected":"b""#,              // 2 invalid JSON
            "",                                                           // 3 blank, skipped
            #"{"prompt":"ok","chosen":"a"}"#,                             // 4 missing rejected
            #"{"prompt":"ok","chosen":7,"rejected":"b"}"#,                // 5 wrong type
            #"{"prompt":"ok","chosen":"same","rejected":"same"}"#,        // 6 identical
            #"{"prompt":"","chosen":"a","rejected":"b"}"#,                // 7 empty prompt
            #"["prompt","chosen","rejected"]"#,                           // 8 not an object
            #"{"prompt":"ok","chosen":"a","rejected":["b"]}"#,            // 9 mixed shapes
            "   ",                                                        // 10 blank
            #"{"prompt":"ok","chosen":"   ","rejected":"b"}"#,             // 11 whitespace only
            #"{"prompt":"last","chosen":"a","rejected":"b"}"#,           // 12 good
        ].joined(separator: "\n")
        #expect(failures(bytes(file)) == ["2:-", "4:rejected", "5:chosen", "6:rejected", "7:prompt", "8:-",
                                          "9:rejected", "11:chosen"])
    }

    @Test func reportsEveryErrorOnOneLine() throws {
        #expect(failures(bytes(#"{"prompt":3}"#)) == ["1:chosen", "1:rejected"])
        #expect(failures(bytes(#"{"prompt":null,"chosen":"a","rejected":false}"#)) == ["1:rejected", "1:prompt"])
        do {
            _ = try PreferenceImport.parse(bytes(#"{"prompt":"p","chosen":"a","rejected":false}"#))
            Issue.record("expected a failure")
        } catch {
            #expect(error.errors == [ImportLineError(line: 1, field: "rejected", message: "expected a string like chosen, got a boolean")])
            #expect(!error.truncated)
        }
    }

    @Test func conversationalFieldErrorsNameTheMessage() {
        let line = #"{"prompt":[{"role":"user"}],"chosen":[{"role":"assistant","content":1}],"#
            + #""rejected":[{"role":"user","content":"x"}, 5]}"#
        #expect(failures(bytes(line)) == ["1:chosen[0].content", "1:rejected[1]", "1:prompt[0].content"])
        let twoReplies = #"{"prompt":[{"role":"user","content":"q"}],"chosen":[{"role":"assistant","content":"a"},"#
            + #"{"role":"assistant","content":"b"}],"rejected":[{"role":"user","content":"c"}]}"#
        #expect(failures(bytes(twoReplies)) == ["1:chosen", "1:rejected[0].role"])
        let diverged = #"{"chosen":[{"role":"user","content":"q1"},{"role":"assistant","content":"a"}],"#
            + #""rejected":[{"role":"user","content":"q2"},{"role":"assistant","content":"b"}]}"#
        #expect(failures(bytes(diverged)) == ["1:rejected"])
        let sameReply = #"{"prompt":[{"role":"user","content":"q"}],"chosen":[{"role":"assistant","content":"a"}],"#
            + #""rejected":[{"role":"assistant","content":"a"}]}"#
        #expect(failures(bytes(sameReply)) == ["1:rejected"])
        #expect(failures(bytes(#"{"prompt":[],"chosen":[],"rejected":[]}"#)) == ["1:chosen", "1:rejected", "1:prompt"])
        // A string prompt beside message lists is UltraFeedback's layout: the lists are still checked.
        #expect(failures(bytes(#"{"prompt":"q","chosen":[],"rejected":[]}"#)) == ["1:chosen", "1:rejected"])
    }

    /// The streamed reader gives what `parse` gives, whatever the chunk boundaries, and the same errors.
    @Test(arguments: [1, 7, 64, 1 << 20])
    func scanMatchesParseAcrossChunks(chunk: Int) throws {
        let good = "\u{FEFF}" + #"{"prompt":"a","chosen":"b","rejected":"c","id":1}"# + "\r\n\n"
            + #"{"prompt":[{"role":"system","content":"s"},{"role":"user","content":"u"}],"chosen":[{"role":"assistant","content":"x"}],"rejected":[{"role":"assistant","content":"y"}]}"#
        var scanned: [ImportedPreference] = []
        try PreferenceImport.scan(.bytes(bytes(good)), limits: PreferenceImportLimits(), chunk: chunk) { scanned.append($0) }
        #expect(scanned == (try parse(good)))
        let bad = #"{"prompt":"a","chosen":"b"}"# + "\n" + String(repeating: "x", count: 100) + "\n"
        var failure: PreferenceImportFailure?
        do {
            try PreferenceImport.scan(.bytes(bytes(bad)), limits: PreferenceImportLimits(maxLineBytes: 50), chunk: chunk) { _ in }
        } catch let error as PreferenceImportFailure {
            failure = error
        }
        #expect(failure?.errors.map { "\($0.line):\($0.field ?? "-")" } == ["1:rejected", "2:-"])
    }

    @Test func enforcesLimits() {
        let good = #"{"prompt":"p","chosen":"a","rejected":"b"}"#
        #expect(failures(bytes(good + "\n" + #"{"prompt":""# + String(repeating: "x", count: 100) + #"","chosen":"a","rejected":"b"}"#),
                         limits: PreferenceImportLimits(maxLineBytes: 64)) == ["2:-"])
        let three = [good, good, good].joined(separator: "\n") + "\n"
        #expect(failures(bytes(three), limits: PreferenceImportLimits(maxLines: 3)) == [])
        #expect(failures(bytes(three), limits: PreferenceImportLimits(maxLines: 2)) == ["3:-"])
        do {
            _ = try PreferenceImport.parse(bytes(String(repeating: "{\n", count: 5)), limits: PreferenceImportLimits(maxErrors: 2))
            Issue.record("expected a failure")
        } catch {
            #expect(error.errors.map(\.line) == [1, 2])
            #expect(error.truncated)
        }
    }

    @Test func acceptsCRLFByteOrderMarkAndNoFinalNewline() throws {
        let data: [UInt8] = [0xEF, 0xBB, 0xBF] + bytes(#"{"prompt":"p","chosen":"a","rejected":"b"}"# + "\r\n\r\n"
            + #"{"prompt":"q","chosen":"c","rejected":"d"}"#)
        let rows = try PreferenceImport.parse(data)
        #expect(rows.map(\.line) == [1, 3])
        #expect(rows.map(\.prompt) == ["p", "q"])
        #expect(try PreferenceImport.parse([]).isEmpty)
        #expect(try PreferenceImport.parse(bytes("\n\n  \n")).isEmpty)
    }
}
