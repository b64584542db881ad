import Storage

struct VotesBody: Encodable, Sendable {
    var a, b, tie, skip: Int

    init(_ votes: VoteCounts) {
        a = votes.a
        b = votes.b
        tie = votes.tie
        skip = votes.skip
    }
}
