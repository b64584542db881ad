/// GPT-2's pre-tokenisation, the regex
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// matched by hand over Unicode scalars with a backtracking engine's semantics (alternatives in order, the
/// first that matches wins; the lookahead gives a whitespace run's last scalar to the word after it).
/// `\s` is Unicode White_Space, `\p{L}` and `\p{N}` the letter and number general categories, as in Oniguruma,
/// which the `tokenizers` library runs this pattern on.
public enum GPT2PreTokenizer {
    /// The pieces of `text`, in order; together they are `text`.
    public static func split(_ text: String) -> [Substring] {
        let scalars = Array(text.unicodeScalars)
        var pieces: [Substring] = []
        var index = text.unicodeScalars.startIndex
        var i = 0
        while i < scalars.count {
            let end = matchEnd(scalars, at: i)
            let next = text.unicodeScalars.index(index, offsetBy: end - i)
            pieces.append(Substring(text.unicodeScalars[index..<next]))
            index = next
            i = end
        }
        return pieces
    }

    enum Class { case letter, number, space, other }

    static func kind(_ s: Unicode.Scalar) -> Class {
        if s.properties.isWhitespace { return .space }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    private static let contractions: [[Unicode.Scalar]] = ["s", "t", "re", "ve", "m", "ll", "d"].map { Array($0.unicodeScalars) }

    /// End (exclusive) of the match starting at `i`; every scalar matches some alternative, so it is > `i`.
    static func matchEnd(_ s: [Unicode.Scalar], at i: Int) -> Int {
        let n = s.count
        if s[i] == "'" {
            for c in contractions where i + 1 + c.count <= n && s[(i + 1)..<(i + 1 + c.count)].elementsEqual(c) {
                return i + 1 + c.count
            }
        }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional space, then a run of one class.
        let start = s[i] == " " && i + 1 < n ? i + 1 : i
        let first = kind(s[start])
        if first != .space {
            var j = start + 1
            while j < n && kind(s[j]) == first { j += 1 }
            return j
        }
        // `\s+(?!\S)`, then `\s+`: a whitespace run, less its last scalar when a non-space follows it.
        var j = i + 1
        while j < n && kind(s[j]) == .space { j += 1 }
        if j < n && j - 1 > i { return j - 1 }
        return j
    }
}
