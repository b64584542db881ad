/// Recovers the prompt of an implicit-prompt pair: the part `chosen` and `rejected` share.
///
/// Works on UTF-8 bytes (both strings are valid UTF-8, and every split point is
/// ASCII, so no scalar is ever cut) and then checks the split is also a
/// grapheme boundary in both strings, so an accent or emoji modifier is never
/// separated from its base. In every successful split `prompt + chosen` and
/// `prompt + rejected` reproduce the inputs exactly.
enum PromptSplitting {
    /// The Anthropic HH turn markers.
    static let assistantMarker = Array("\n\nAssistant:".utf8)
    static let humanMarker = Array("\n\nHuman:".utf8)

    /// Whether both strings are HH transcripts, which must split on a turn marker.
    static func areTranscripts(_ chosen: String, _ rejected: String) -> Bool {
        [chosen, rejected].allSatisfy { text in
            let bytes = Array(text.utf8)
            return lastOccurrence(of: assistantMarker, in: bytes[...]) != nil
        }
    }

    /// Splits HH transcripts after the last `\n\nAssistant:` marker (and the space
    /// that follows it in both) inside their common prefix, as TRL's
    /// `hh-rlhf-helpful-base.py` does. Nil when no marker is shared.
    static func splitTranscripts(_ chosen: String, _ rejected: String) -> (prompt: String, chosen: String, rejected: String)? {
        let x = Array(chosen.utf8), y = Array(rejected.utf8)
        let shared = commonPrefixLength(x, y)
        guard let marker = lastOccurrence(of: assistantMarker, in: x[..<shared]) else { return nil }
        var cut = marker + assistantMarker.count
        if cut < shared && x[cut] == UInt8(ascii: " ") { cut += 1 }
        return split(chosen, rejected, x, y, at: cut)
    }

    /// Splits plain strings before the last whitespace both share at or before
    /// their first difference, so neither completion starts mid-word (TRL's
    /// `extract_prompt` keeps the space with the completion too). Nil when the
    /// shared part holds no such boundary with text before it.
    static func splitAtWord(_ chosen: String, _ rejected: String) -> (prompt: String, chosen: String, rejected: String)? {
        let x = Array(chosen.utf8), y = Array(rejected.utf8)
        let shared = commonPrefixLength(x, y)
        var cut = min(shared, x.count - 1, y.count - 1)
        while cut > 0 {
            if isSpace(x[cut]) && isSpace(y[cut]) && !x[..<cut].allSatisfy(isSpace),
               let result = split(chosen, rejected, x, y, at: cut) {
                return result
            }
            cut -= 1
        }
        return nil
    }

    private static func split(_ chosen: String, _ rejected: String, _ x: [UInt8], _ y: [UInt8],
                              at cut: Int) -> (prompt: String, chosen: String, rejected: String)? {
        guard isCharacterBoundary(chosen, cut), isCharacterBoundary(rejected, cut) else { return nil }
        return (String(decoding: x[..<cut], as: UTF8.self),
                String(decoding: x[cut...], as: UTF8.self),
                String(decoding: y[cut...], as: UTF8.self))
    }

    private static func isCharacterBoundary(_ text: String, _ utf8Offset: Int) -> Bool {
        let index = text.utf8.index(text.utf8.startIndex, offsetBy: utf8Offset)
        return index.samePosition(in: text) != nil
    }

    private static func commonPrefixLength(_ x: [UInt8], _ y: [UInt8]) -> Int {
        var length = 0
        while length < x.count && length < y.count && x[length] == y[length] { length += 1 }
        return length
    }

    private static func lastOccurrence(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var start = haystack.endIndex - needle.count
        while start >= haystack.startIndex {
            if haystack[start..<start + needle.count].elementsEqual(needle) { return start }
            start -= 1
        }
        return nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
