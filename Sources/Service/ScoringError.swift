/// Why a scoring request could not be answered. App maps each to a problem document.
public enum ScoringError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The model's checkpoint is not in the store.
    case modelMissing(String)
    /// A shard failed permanently or used up its attempts: `job` with its last error.
    case shardFailed(job: String, error: String)
    /// The shards were not all scored within `seconds`.
    case timedOut(seconds: Double, done: Int, total: Int)

    public var description: String {
        switch self {
        case .modelMissing(let id): "the checkpoint of \(id) is missing"
        case .shardFailed(let job, let error): "scoring shard \(job) failed: \(error)"
        case .timedOut(let seconds, let done, let total):
            "\(done) of \(total) scoring shards were done after \(seconds) s; are workers taking the scoring queue running?"
        }
    }
}
