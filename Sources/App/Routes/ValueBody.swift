import Storage

struct ValueBody: Encodable, Sendable {
    var value: Double
    var tokenValues: [Double]?
}
