import Storage

struct GenerationBody: Encodable, Sendable {
    var prompt: String
    var text: String
    var tokens: [Int]
    var logprobs: [Double]
    var sumLogprob: Double
    var finishReason: String
}
