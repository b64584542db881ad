import Crypto
import Policy
import Service
import Storage
import Synchronization

/// Loaded models, at most `capacity`, least recently used evicted. Models are
/// immutable once stored, so an entry is keyed by id and checkpoint hash.
final class ModelCache: Sendable {
    private final class Entry: Sendable {
        // A GPT keeps activations for its backward pass, so one thread uses it at a time.
        let model: Mutex<LoadedModel>
        /// Calls running on the model or waiting for it, each holding a blocking-pool thread.
        let callers = Atomic<Int>(0)
        init(_ model: sending LoadedModel) { self.model = Mutex(model) }
    }

    /// A model already has `limit` calls running or waiting: the caller should retry later.
    struct Busy: Error, Sendable {
        let modelID: String
        let limit: Int
    }

    private let entries = Mutex<[String: (entry: Entry, used: UInt64)]>([:])
    private let clock = Atomic<UInt64>(0)
    private let capacity: Int
    /// Calls one model takes at once (one runs, the rest wait); more get ``Busy``, so calls
    /// queued on one model cannot take every pool thread.
    let maxCallersPerModel: Int

    init(capacity: Int = 4, maxCallersPerModel: Int = 4) {
        self.capacity = capacity
        self.maxCallersPerModel = max(1, maxCallersPerModel)
    }

    func with<T: Sendable>(_ record: ModelRecord, database: Database, _ body: (LoadedModel) throws -> T) throws -> T {
        let key = record.id + "@" + record.checkpointSHA256
        let tick = clock.add(1, ordering: .relaxed).newValue
        let cached: Entry? = entries.withLock { entries in
            guard let hit = entries[key] else { return nil }
            entries[key] = (hit.entry, tick)
            return hit.entry
        }
        let entry: Entry
        if let cached {
            entry = cached
        } else {
            guard let bytes = try database.read({ try ModelRepository.checkpoint(sha256: record.checkpointSHA256, on: $0) }) else {
                throw AppError(.notFound, code: "not_found", detail: "the checkpoint of \(record.id) is missing")
            }
            let loaded = try LoadedModel.load(try Safetensors(bytes: bytes), kind: record.kind)
            loaded.trunk.requiresGradients = false
            entry = Entry(loaded)
            entries.withLock { entries in
                entries[key] = (entry, tick)
                while entries.count > capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
                    entries[oldest] = nil
                }
            }
        }
        guard entry.callers.add(1, ordering: .relaxed).newValue <= maxCallersPerModel else {
            entry.callers.subtract(1, ordering: .relaxed)
            throw Busy(modelID: record.id, limit: maxCallersPerModel)
        }
        defer { entry.callers.subtract(1, ordering: .relaxed) }
        return try entry.model.withLock { model in try body(model) }
    }
}
