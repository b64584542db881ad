import Foundation
import Storage

/// Buffers a run's metrics and writes them in small group-committed batches (a step costs no
/// transaction of its own). A checkpoint is written in the same transaction as every metric before
/// it, so a run resumed from that checkpoint finds its series complete up to the checkpoint's step.
final class RunRecorder {
    let runID: String
    let database: Database
    let signal: RunSignal
    /// At most this long between a metric and its commit, so event streams stay live.
    let flushInterval: TimeInterval
    /// Checkpoints kept (`checkpoints.keep_last`); nil: the newest only, deleted when the run ends.
    let keepLast: Int?
    private var pending: [(step: Int, metrics: [String: Double])] = []
    private var lastFlush = Date()

    init(runID: String, database: Database, signal: RunSignal, flushInterval: TimeInterval = 0.25, keepLast: Int? = nil) {
        self.keepLast = keepLast
        self.runID = runID
        self.database = database
        self.signal = signal
        self.flushInterval = flushInterval
    }

    func record(step: Int, metrics: [String: Double]) throws {
        pending.append((step, metrics))
        if Date().timeIntervalSince(lastFlush) >= flushInterval { try flush() }
    }

    func flush() throws {
        try commit { _ in }
    }

    func checkpoint(step: Int, data: [UInt8]) throws {
        let runID = runID, keepLast = keepLast
        try commit { connection in try RunRepository.saveCheckpoint(runID: runID, step: step, data: data, keepLast: keepLast, on: connection) }
    }

    /// Writes the pending metrics and `extra` in one transaction.
    func commit(_ extra: @escaping @Sendable (any SQLConnection) throws -> Void) throws {
        let batch = pending, runID = runID
        try database.write { connection in
            try RunRepository.record(runID: runID, steps: batch, on: connection)
            try extra(connection)
        }
        pending.removeAll()
        lastFlush = Date()
        signal.notify()
    }
}
