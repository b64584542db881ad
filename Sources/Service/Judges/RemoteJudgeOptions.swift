/// `judge_options` of a run with a remote judge. Stored with the run: it holds a secret's *name*, never
/// the token.
public struct RemoteJudgeOptions: Sendable, Equatable, Codable {
    public enum WireProtocol: String, Sendable, Codable, CaseIterable {
        /// OpenRLHF's remote reward model: `{"query", "prompts"}` → `{"rewards"}`.
        case reward
        /// `{"items": [{"prompt", "response_a", "response_b"}]}` → `{"probabilities"}`.
        case pairwise
    }

    public var `protocol`: WireProtocol = .reward
    /// Per HTTP request.
    public var timeoutSeconds: Int = 30
    /// Requests per batch in all, the first included.
    public var maxAttempts: Int = 4
    /// Items per request.
    public var batchSize: Int = 64
    /// Requests in flight at once.
    public var concurrency: Int = 4
    /// `reward` protocol: P(a ≻ b) = σ((r_a − r_b) / temperature).
    public var temperature: Double = 1
    /// The name of a server-side secret (`PREFLAB_SECRET_<NAME>`) sent as a bearer token.
    public var tokenSecret: String?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case `protocol`, timeoutSeconds = "timeout_seconds", maxAttempts = "max_attempts", batchSize = "batch_size"
        case concurrency, temperature, tokenSecret = "token_secret"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        `protocol` = try container.decodeIfPresent(WireProtocol.self, forKey: .protocol) ?? .reward
        timeoutSeconds = try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? 30
        maxAttempts = try container.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? 4
        batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize) ?? 64
        concurrency = try container.decodeIfPresent(Int.self, forKey: .concurrency) ?? 4
        temperature = try container.decodeIfPresent(Double.self, forKey: .temperature) ?? 1
        tokenSecret = try container.decodeIfPresent(String.self, forKey: .tokenSecret)
    }

    /// Reads a request's `judge_options`, each error naming its field.
    init(reading object: SpecObject) throws(RunSpecError) {
        try object.rejectUnknown(Set(CodingKeys.allCases.map(\.stringValue)))
        if let name = try object.string("protocol", maxLength: 40) {
            guard let value = WireProtocol(rawValue: name) else {
                throw RunSpecError(object.name("protocol"), "unknown protocol '\(name)'; expected reward or pairwise")
            }
            self.protocol = value
        }
        timeoutSeconds = try object.integer("timeout_seconds", range: 1...600) ?? timeoutSeconds
        maxAttempts = try object.integer("max_attempts", range: 1...10) ?? maxAttempts
        batchSize = try object.integer("batch_size", range: 1...4096) ?? batchSize
        concurrency = try object.integer("concurrency", range: 1...64) ?? concurrency
        temperature = try object.decode(Double.self, "temperature", what: "a number") ?? temperature
        tokenSecret = try object.string("token_secret", maxLength: 64)
        if let (field, message) = violation() { throw RunSpecError(object.name(field), message) }
    }

    /// The first out-of-range field with its reason, or nil.
    public func violation() -> (field: String, message: String)? {
        if !(1...600).contains(timeoutSeconds) { return ("timeout_seconds", "must be from 1 to 600") }
        if !(1...10).contains(maxAttempts) { return ("max_attempts", "must be from 1 to 10") }
        if !(1...4096).contains(batchSize) { return ("batch_size", "must be from 1 to 4096") }
        if !(1...64).contains(concurrency) { return ("concurrency", "must be from 1 to 64") }
        if !(temperature > 0 && temperature <= 100) { return ("temperature", "must be in (0, 100]") }
        if let name = tokenSecret, name.isEmpty || name.utf8.count > 64
            || !name.utf8.allSatisfy({ (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 95 }) {
            return ("token_secret", "must be 1 to 64 ASCII letters, digits or underscores")
        }
        return nil
    }
}
