/// How many judgements of each choice one comparison (or one annotator) received.
public struct VoteCounts: Sendable, Equatable, Hashable {
    /// Votes for response A.
    public var a: Int
    /// Votes for response B.
    public var b: Int
    /// Votes that found the responses equally good.
    public var tie: Int
    /// Declined judgements; counted for QA, never a vote.
    public var skip: Int

    /// Creates counts; all default to zero.
    public init(a: Int = 0, b: Int = 0, tie: Int = 0, skip: Int = 0) {
        self.a = a
        self.b = b
        self.tie = tie
        self.skip = skip
    }

    /// Every judgement, skips included.
    public var total: Int { a + b + tie + skip }

    /// Judgements that carry a signal (a, b or tie).
    public var decided: Int { a + b + tie }

    /// Adds one judgement of `choice`.
    public mutating func add(_ choice: Choice) {
        switch choice {
        case .a: a += 1
        case .b: b += 1
        case .tie: tie += 1
        case .skip: skip += 1
        }
    }

    /// The count for `choice`.
    public subscript(choice: Choice) -> Int {
        switch choice {
        case .a: a
        case .b: b
        case .tie: tie
        case .skip: skip
        }
    }
}
