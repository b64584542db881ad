public import Alignment
import Dispatch
import Foundation
import HTTPClient
import Synchronization

/// A judge behind a URL (`judge: "http://…"` or `"https://…"`), called through ``HTTPClient``.
///
/// Two protocols (`judge_options.protocol`):
/// - `reward` (default), OpenRLHF's remote reward model: `POST {"query": [prompt+response, …], "prompts":
///   […]}` → `{"rewards": […]}`; a pair's preference is `σ((r_a − r_b)/temperature)` (Bradley–Terry).
/// - `pairwise`: `POST {"items": [{"prompt", "response_a", "response_b"}, …]}` → `{"probabilities": […]}`,
///   each P(a ≻ b) in [0, 1] — the shape of PrefLab's own `POST /v1/models/{id}/scores` on a preference model.
///
/// Batches of `batch_size` go out concurrently (at most `concurrency` at once), each retried with jittered
/// backoff on 5xx, 429 and transport failures within `timeout_seconds × max_attempts`. Replies are checked:
/// one finite number per item (probabilities within [0, 1]); anything else fails the call, naming the judge.
public final class RemoteJudge: Sendable {
    public let url: String
    public let options: RemoteJudgeOptions
    private let client: HTTPClient
    private let token: String?
    private let counters = Mutex(JudgeStatistics())

    /// `secrets` resolves `options.tokenSecret` (a name) to the bearer token, which is never stored with a run.
    public init(url: String, options: RemoteJudgeOptions, secrets: (String) -> String? = RemoteJudge.environmentSecret) throws(JudgeError) {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw JudgeError(judge: url, message: "a remote judge URL starts with http:// or https://")
        }
        self.url = url
        self.options = options
        if let name = options.tokenSecret {
            guard let value = secrets(name) else {
                throw JudgeError(judge: url, message: "secret '\(name)' is not set on this server (PREFLAB_SECRET_\(name.uppercased()))")
            }
            token = value
        } else {
            token = nil
        }
        var configuration = HTTPClient.Configuration()
        configuration.maxConcurrentRequests = options.concurrency
        client = HTTPClient(configuration: configuration)
    }

    /// Server-side secrets are environment variables `PREFLAB_SECRET_<NAME>` (upper-cased name).
    public static func environmentSecret(_ name: String) -> String? {
        ProcessInfo.processInfo.environment["PREFLAB_SECRET_" + name.uppercased()].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Calls, latency and errors since the last call, for a run's `judge/*` metrics.
    public func takeStatistics() -> JudgeStatistics {
        counters.withLock { current in
            defer { current = JudgeStatistics() }
            return current
        }
    }

    /// One reward per (prompt, response): the `reward` protocol only.
    public func rewards(prompts: [String], responses: [String]) throws(JudgeError) -> [Double] {
        guard options.protocol == .reward else {
            throw JudgeError(judge: url, message: "a pairwise judge gives no rewards")
        }
        return try batched(count: prompts.count) { range throws(JudgeError) in
            let body = RewardRequest(query: range.map { prompts[$0] + responses[$0] }, prompts: range.map { prompts[$0] })
            return try self.call(body, key: "rewards", RewardReply.self).rewards
        }
    }

    /// P(a ≻ b | prompt) per item.
    public func probabilities(prompts: [String], a: [String], b: [String]) throws(JudgeError) -> [Double] {
        switch options.protocol {
        case .reward:
            let n = prompts.count
            let scores = try rewards(prompts: prompts + prompts, responses: a + b)
            return (0..<n).map { 1 / (1 + exp(-(scores[$0] - scores[n + $0]) / options.temperature)) }
        case .pairwise:
            return try batched(count: prompts.count) { range throws(JudgeError) in
                let body = PairwiseRequest(items: range.map { PairwiseItem(prompt: prompts[$0], responseA: a[$0], responseB: b[$0]) })
                let values = try self.call(body, key: "probabilities", PairwiseReply.self).probabilities
                guard values.allSatisfy({ (0...1).contains($0) }) else {
                    throw JudgeError(judge: self.url, message: "a probability outside [0, 1]")
                }
                return values
            }
        }
    }

    /// Splits `0..<count` into batches, calls them concurrently, and joins the results in order; each
    /// batch's reply must hold exactly one value per item.
    private func batched(count: Int, _ call: @escaping @Sendable (Range<Int>) throws(JudgeError) -> [Double]) throws(JudgeError) -> [Double] {
        guard count > 0 else { return [] }
        let size = max(1, options.batchSize)
        let ranges = stride(from: 0, to: count, by: size).map { $0..<min($0 + size, count) }
        let results = Mutex([Result<[Double], JudgeError>?](repeating: nil, count: ranges.count))
        let url = self.url
        DispatchQueue.concurrentPerform(iterations: ranges.count) { index in
            let outcome: Result<[Double], JudgeError>
            do throws(JudgeError) {
                let values = try call(ranges[index])
                guard values.count == ranges[index].count else {
                    throw JudgeError(judge: url, message: "\(values.count) values for \(ranges[index].count) items")
                }
                guard values.allSatisfy(\.isFinite) else { throw JudgeError(judge: url, message: "a value is not a finite number") }
                outcome = .success(values)
            } catch {
                outcome = .failure(error)
            }
            results.withLock { $0[index] = outcome }
        }
        var joined: [Double] = []
        joined.reserveCapacity(count)
        for result in results.withLock({ $0 }) {
            switch result {
            case .success(let values)?: joined += values
            case .failure(let error)?: throw error
            case nil: throw JudgeError(judge: url, message: "a batch was not called")
            }
        }
        return joined
    }

    /// One POST with retries; the reply decoded, or a ``JudgeError`` that says what went wrong.
    private func call<Body: Encodable, Reply: Decodable>(_ body: Body, key: String, _ reply: Reply.Type) throws(JudgeError) -> Reply {
        let bytes: [UInt8]
        do { bytes = Array(try JSONEncoder().encode(body)) } catch { throw JudgeError(judge: url, message: "cannot encode the request: \(error)") }
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        let timeout = Duration.seconds(options.timeoutSeconds)
        let request = HTTPClientRequest.postJSON(url: url, body: bytes, headers: headers, timeout: timeout)
        let policy = RetryPolicy(maxAttempts: options.maxAttempts, baseDelay: .milliseconds(200), maxDelay: .seconds(5))
        let start = ContinuousClock.now
        let response: HTTPClientResponse
        do {
            response = try client.execute(request, retry: policy, deadline: start + timeout * options.maxAttempts)
        } catch {
            record(start, attempts: error.attempts, failed: error.attempts)
            throw JudgeError(judge: url, message: "unreachable after \(error.attempts) attempt(s): \(error)")
        }
        let ok = (200...299).contains(response.status)
        record(start, attempts: response.attempts, failed: response.attempts - (ok ? 1 : 0))
        guard ok else { throw JudgeError(judge: url, message: "answered \(response.status) after \(response.attempts) attempt(s)") }
        do {
            return try JSONDecoder().decode(Reply.self, from: Data(response.body))
        } catch {
            throw JudgeError(judge: url, message: "the reply is not {\"\(key)\": [numbers]}")
        }
    }

    private func record(_ start: ContinuousClock.Instant, attempts: Int, failed: Int) {
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        counters.withLock {
            $0.calls += attempts
            $0.errors += failed
            $0.latencyMilliseconds += milliseconds
        }
    }
}

/// What a run's `judge/*` metrics report for an iteration.
public struct JudgeStatistics: Sendable, Equatable {
    /// HTTP requests made (retries included).
    public var calls = 0
    /// Requests that failed (a transport error or a non-2xx status).
    public var errors = 0
    /// Wall time spent waiting on the judge, all calls together.
    public var latencyMilliseconds = 0.0

    public init() {}
}

/// A judge that could not give its verdict; the run fails with this, naming the judge.
public struct JudgeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var judge: String
    public var message: String

    public init(judge: String, message: String) {
        self.judge = judge
        self.message = message
    }

    public var description: String { "judge \(judge): \(message)" }
}

struct RewardRequest: Encodable {
    var query: [String]
    var prompts: [String]
}

struct RewardReply: Decodable {
    var rewards: [Double]
}

struct PairwiseItem: Encodable {
    var prompt: String
    var responseA: String
    var responseB: String

    enum CodingKeys: String, CodingKey {
        case prompt, responseA = "response_a", responseB = "response_b"
    }
}

struct PairwiseRequest: Encodable {
    var items: [PairwiseItem]
}

struct PairwiseReply: Decodable {
    var probabilities: [Double]
}

/// A reward-protocol remote judge scores PPO, RLOO and GRPO rollouts.
extension RemoteJudge: RolloutScorer {}
