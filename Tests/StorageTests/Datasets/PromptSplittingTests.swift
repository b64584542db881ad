import Foundation
import Storage
import Testing

@Suite struct PromptSplittingTests {
    private func row(chosen: String, rejected: String) throws -> ImportedPreference {
        let line = JSONLine.object(["chosen": chosen, "rejected": rejected])
        return try #require(try PreferenceImport.parse(bytes(line)).first)
    }

    private func fails(chosen: String, rejected: String) -> [String?] {
        do {
            _ = try PreferenceImport.parse(bytes(JSONLine.object(["chosen": chosen, "rejected": rejected])))
            return []
        } catch {
            return error.errors.map(\.field)
        }
    }

    private let dialogue = "\n\nHuman: How do I bake bread at home?\n\nAssistant: You need flour, water, yeast and salt."
        + "\n\nHuman: How long should it rise?\n\nAssistant: "

    @Test func hhSplitsAtTheLastSharedAssistantTurnNotMidWord() throws {
        // The answers share "About " after the marker; the prompt must still end at the marker.
        let chosen = dialogue + "About an hour, until it has doubled in size."
        let rejected = dialogue + "About two days."
        let row = try row(chosen: chosen, rejected: rejected)
        #expect(row.prompt == dialogue)
        #expect(row.chosen == "About an hour, until it has doubled in size.")
        #expect(row.rejected == "About two days.")
        #expect(row.format == .anthropicHH)
        #expect(row.prompt + row.chosen == chosen && row.prompt + row.rejected == rejected)
    }

    @Test func hhWithoutTheSpaceAfterTheMarkerKeepsBothRemaindersWhole() throws {
        let base = "\n\nHuman: Hi\n\nAssistant:"
        let row = try row(chosen: base + " Hello there", rejected: base + "Hello")
        #expect(row.prompt == base)
        #expect((row.chosen, row.rejected) == (" Hello there", "Hello"))
    }

    @Test func hhKeepsEmojiModifiersWithTheirBase() throws {
        let base = "\n\nHuman: Thumbs up or down? 🤔\n\nAssistant: "
        let row = try row(chosen: base + "👍🏽 Up.", rejected: base + "👍🏿 Down.")
        #expect(row.prompt == base)
        #expect((row.chosen, row.rejected) == ("👍🏽 Up.", "👍🏿 Down."))
    }

    @Test func hhTranscriptsThatDivergeInAHumanTurnAreRejected() {
        #expect(fails(chosen: "\n\nHuman: Cats?\n\nAssistant: Yes.", rejected: "\n\nHuman: Dogs?\n\nAssistant: Yes.")
                == ["prompt"])
    }

    @Test func hhWhereOneSideStopsAtThePromptIsRejected() {
        #expect(fails(chosen: dialogue + "Sure.", rejected: dialogue) == ["rejected"])
    }

    @Test func implicitPromptFollowsTRLsExample() throws {
        let row = try row(chosen: "The sky is blue.", rejected: "The sky is green.")
        #expect((row.prompt, row.chosen, row.rejected, row.format) == ("The sky is", " blue.", " green.", .implicitPrompt))
    }

    @Test func implicitPromptNeverEndsMidWord() throws {
        let row = try row(chosen: "I like cats a lot", rejected: "I like cars")
        #expect((row.prompt, row.chosen, row.rejected) == ("I like", " cats a lot", " cars"))
        let prefixRow = try self.row(chosen: "Hello there", rejected: "Hello there friend")
        #expect((prefixRow.prompt, prefixRow.chosen, prefixRow.rejected) == ("Hello", " there", " there friend"))
    }

    @Test func implicitPromptNeverSplitsAGrapheme() throws {
        // The scalars agree up to "e"; the split must not separate it from U+0301.
        let row = try row(chosen: "Say: cafe\u{301} now", rejected: "Say: cafe now")
        #expect(row.prompt == "Say:")
        #expect(Array(row.chosen.unicodeScalars) == Array(" cafe\u{301} now".unicodeScalars))
        let emoji = try self.row(chosen: "Rate it 👍🏽 great", rejected: "Rate it 👍🏿 bad")
        #expect((emoji.prompt, emoji.chosen, emoji.rejected) == ("Rate it", " 👍🏽 great", " 👍🏿 bad"))
    }

    @Test func implicitPromptWithNoSharedWordsIsRejected() {
        #expect(fails(chosen: "Yes", rejected: "No") == ["prompt"])
        #expect(fails(chosen: "Absolutely", rejected: "Absolutely not") == ["prompt"])
    }
}

/// Encodes a flat string object as one JSON line with Foundation, independent of the exporter.
enum JSONLine {
    static func object(_ fields: [String: String]) -> String {
        let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
