import Storage

struct AnnotatorBody: Encodable, Sendable {
    var annotator: String
    var judgements: Int
    var votes: VotesBody
    var skips: Int
    var medianTimeSpentMs: Double?

    init(_ stats: AnnotatorStats) {
        annotator = stats.annotator
        judgements = stats.counts.total
        votes = VotesBody(stats.counts)
        skips = stats.counts.skip
        medianTimeSpentMs = stats.medianTimeSpentMS
    }
}
