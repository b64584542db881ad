import Policy
import Testing

@Suite struct TokenizerTests {
    let tok = ByteTokenizer()

    @Test func bytesRoundTripWithSpecials() {
        let text = "héllo, 世界!\n"
        let ids = tok.encode(text, bos: true, eos: true)
        #expect(ids.first == ByteTokenizer.bos && ids.last == ByteTokenizer.eos)
        #expect(ids.count == text.utf8.count + 2)
        #expect(tok.decode(ids) == text)
        #expect(ByteTokenizer.vocabSize == 259 && ByteTokenizer.pad == 258)
    }

    @Test func decodeRepairsInvalidUTF8AndDropsSpecials() {
        #expect(tok.decode([0xE4, ByteTokenizer.pad, 65]) == "\u{FFFD}A")
        #expect(tok.decode([ByteTokenizer.bos, 104, 105, ByteTokenizer.eos]) == "hi")
    }

    @Test func batchPadsRightAndScoresResponsesOnly() throws {
        let batch = try SequenceBatch(prompts: [[256, 1], [256]], responses: [[2, 3], [4]])
        #expect(batch.time == 4)
        #expect(batch.tokens == [256, 1, 2, 3, 256, 4, 258, 258])
        #expect(batch.scored == [0, 0, 1, 1, 0, 1, 0, 0])
        #expect(batch.lengths == [4, 2])
        #expect(batch.scoredCounts == [2, 1])
        #expect(throws: PolicyError.self) { try SequenceBatch(prompts: [[]], responses: [[1]]) }
        #expect(throws: PolicyError.self) { try SequenceBatch(prompts: [[1]], responses: []) }
    }
}
