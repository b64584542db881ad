import Foundation
import Policy
public import Storage
import Synchronization

/// Loaded scoring models for shard workers: per model (id and checkpoint hash) a few idle instances,
/// each lent to one thread at a time (a `GPT` keeps its last activations), so a pool's threads score
/// the same model in parallel instead of queueing on one instance. Models are immutable once stored.
public final class ScoringModelCache: Sendable {
    /// An instance only ever moves between the idle lists and the one thread that borrowed it.
    private final class Instance: @unchecked Sendable {
        let model: LoadedModel
        init(_ model: LoadedModel) { self.model = model }
    }

    private struct State {
        var idle: [String: [Instance]] = [:]
        var used: [String: UInt64] = [:]
        var clock: UInt64 = 0
    }

    private let state = Mutex(State())
    private let capacity: Int

    /// At most `capacity` distinct models are kept.
    public init(capacity: Int = 4) {
        self.capacity = max(1, capacity)
    }

    /// Runs `body` with an instance of `record`'s model, loading one when none is idle.
    public func with<T>(_ record: ModelRecord, database: Database, _ body: (LoadedModel) throws -> T) throws -> T {
        try with(sha256: record.checkpointSHA256, kind: record.kind, name: record.id, database: database, body)
    }

    /// Runs `body` with an instance of the checkpoint stored under `sha256` read as a `kind` (`name` says which
    /// model it is in errors): scratch weights with no model record, as a PPO critic's at one step.
    func with<T>(sha256: String, kind: String, name: String, database: Database, _ body: (LoadedModel) throws -> T) throws -> T {
        let key = name + "@" + sha256
        let instance: Instance
        if let idle = state.withLock({ $0.idle[key]?.popLast() }) {
            instance = idle
        } else {
            guard let bytes = try database.read({ try ModelRepository.checkpoint(sha256: sha256, on: $0) }) else {
                throw ScoringError.modelMissing(name)
            }
            let loaded = try LoadedModel.load(try Safetensors(bytes: bytes), kind: kind)
            loaded.trunk.requiresGradients = false
            instance = Instance(loaded)
        }
        defer {
            state.withLock { state in
                state.clock += 1
                state.idle[key, default: []].append(instance)
                state.used[key] = state.clock
                while state.used.count > capacity, let oldest = state.used.min(by: { $0.value < $1.value })?.key {
                    state.used[oldest] = nil
                    state.idle[oldest] = nil
                }
            }
        }
        return try body(instance.model)
    }
}
