import Storage

struct LogProbBody: Encodable, Sendable {
    var sum: Double
    var mean: Double
    var tokens: Int
}
