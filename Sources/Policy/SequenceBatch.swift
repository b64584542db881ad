/// A right-padded batch of prompt + response token sequences, with a mask of the tokens to score.
///
/// Position `t` of a row is scored (its log-probability counted) iff it is a response token; the
/// model predicts it from positions `0..<t`. Prompt tokens and padding are never scored.
public struct SequenceBatch: Sendable, Equatable {
    /// Token ids, (B,T) row-major, padded with ``ByteTokenizer/pad``.
    public var tokens: [Int32]
    /// 1 where the token is scored, else 0; (B,T).
    public var scored: [Float]
    /// Number of sequences (B).
    public var batch: Int
    /// Padded length (T).
    public var time: Int
    /// Unpadded length of each row (prompt + response).
    public var lengths: [Int]

    /// Builds a batch directly; `tokens` and `scored` must both hold `batch * time` values and the
    /// first position of every row must not be scored (nothing predicts it). `lengths` (default:
    /// all `time`) gives each row's unpadded length.
    public init(tokens: [Int32], scored: [Float], batch: Int, time: Int, lengths: [Int]? = nil) throws(PolicyError) {
        guard batch >= 1, time >= 2, tokens.count == batch * time, scored.count == batch * time else {
            throw PolicyError("batch: tokens and mask must be \(batch)×\(time) with time ≥ 2")
        }
        let lengths = lengths ?? [Int](repeating: time, count: batch)
        guard lengths.count == batch, lengths.allSatisfy({ $0 >= 1 && $0 <= time }) else {
            throw PolicyError("batch: one length in 1...\(time) per row expected")
        }
        for row in 0..<batch where scored[row * time] != 0 {
            throw PolicyError("batch: row \(row) scores its first token, which nothing predicts")
        }
        self.tokens = tokens
        self.scored = scored
        self.batch = batch
        self.time = time
        self.lengths = lengths
    }

    /// Concatenates each prompt with its response and right-pads to the longest row.
    public init(prompts: [[Int32]], responses: [[Int32]], pad: Int32 = ByteTokenizer.pad) throws(PolicyError) {
        guard !prompts.isEmpty, prompts.count == responses.count else {
            throw PolicyError("batch: need as many prompts as responses, at least one")
        }
        guard prompts.allSatisfy({ !$0.isEmpty }) else { throw PolicyError("batch: empty prompt (start it with BOS)") }
        let time = max(2, zip(prompts, responses).map { $0.count + $1.count }.max() ?? 2)
        var tokens = [Int32](repeating: pad, count: prompts.count * time)
        var scored = [Float](repeating: 0, count: prompts.count * time)
        for (row, (p, r)) in zip(prompts, responses).enumerated() {
            let base = row * time
            for (i, tok) in (p + r).enumerated() { tokens[base + i] = tok }
            for i in 0..<r.count { scored[base + p.count + i] = 1 }
        }
        try self.init(tokens: tokens, scored: scored, batch: prompts.count, time: time,
                      lengths: zip(prompts, responses).map { $0.count + $1.count })
    }

    /// Scored tokens per row.
    public var scoredCounts: [Int] {
        (0..<batch).map { row in (0..<time).reduce(0) { $0 + (scored[row * time + $1] != 0 ? 1 : 0) } }
    }
}

/// Per-sequence log-probabilities of the scored tokens.
public struct SequenceLogProbs: Sendable, Equatable {
    /// Σ_t log π(y_t | y_<t) over scored tokens, per sequence.
    public var sum: [Float]
    /// `sum / count` (0 for a sequence with no scored tokens).
    public var mean: [Float]
    /// Scored tokens per sequence.
    public var count: [Int]
    /// log π of every scored token, row-major in batch order (for per-token objectives).
    public var perToken: [Float]
}
