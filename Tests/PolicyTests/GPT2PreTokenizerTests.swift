import Policy
import Testing

/// GPT-2's pre-tokenisation regex, worked by hand: the vectors are what `tokenizers` (Oniguruma) splits.
@Suite struct GPT2PreTokenizerTests {
    func split(_ text: String) -> [String] { GPT2PreTokenizer.split(text).map(String.init) }

    @Test func wordsNumbersAndPunctuationKeepTheirLeadingSpace() {
        #expect(split("Hello world, 123 times!") == ["Hello", " world", ",", " 123", " times", "!"])
        #expect(split("abc123def") == ["abc", "123", "def"])
        #expect(split("x=1+2") == ["x", "=", "1", "+", "2"])
        #expect(split(" ...") == [" ..."])
    }

    @Test func contractionsAreTheirOwnPieces() {
        #expect(split("I'm sure it's they've") == ["I", "'m", " sure", " it", "'s", " they", "'ve"])
        #expect(split("'sup ''x") == ["'s", "up", " ''", "x"])
        #expect(split("DON'T") == ["DON", "'", "T"])  // case-sensitive, as the regex
    }

    /// `\s+(?!\S)`: a whitespace run gives its last space to the word after it, keeps it all at the end.
    @Test func whitespaceRuns() {
        #expect(split("a   b") == ["a", "  ", " b"])
        #expect(split("a\n\nb") == ["a", "\n", "\n", "b"])
        #expect(split("a \n b") == ["a", " \n", " b"])
        #expect(split("end   ") == ["end", "   "])
        #expect(split("\t\tx") == ["\t", "\t", "x"])
        #expect(split(" ") == [" "])
        #expect(split("") == [])
    }

    @Test func unicodeClasses() {
        #expect(split("naïve café") == ["naïve", " café"])
        #expect(split("e\u{301}t\u{301}") == ["e", "\u{301}", "t", "\u{301}"])  // a combining mark is neither letter nor number
        #expect(split("日本語 テキスト") == ["日本語", " テキスト"])
        #expect(split("½²") == ["½²"])  // \p{N} includes other numbers
        #expect(split("hi 👋🏽!") == ["hi", " 👋🏽!"])
        #expect(split("a\u{00A0}b") == ["a", "\u{00A0}", "b"])  // NBSP is whitespace, not the literal space
    }
}
