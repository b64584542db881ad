import Foundation
import Storage
import Synchronization

/// A background import as `GET /v1/imports/{id}` shows it.
struct ImportStatus: Encodable, Sendable {
    enum Phase: String, Encodable, Sendable {
        /// Every line is read and checked; nothing is stored yet.
        case validating
        /// The checked file is stored in one transaction.
        case importing
        case succeeded, failed
    }

    var id: String
    var dataset: String?
    var status: Phase
    var bytesTotal: Int
    /// Progress of the current pass (validation, then storing): bytes and lines read.
    var bytesRead = 0
    var rowsRead = 0
    var imported: Int?
    /// The problems, when the file was refused (nothing was stored).
    var errors: [FieldError]?
    var errorsTruncated: Bool?
    var createdAt: Date
    var finishedAt: Date?
}

/// Imports running in the background in this process, and the last 100 finished. Kept in memory: the
/// progress resource belongs to the server that took the upload, and after a restart it is gone (404) while
/// the data is either wholly stored or not at all.
final class ImportTracker: Sendable {
    /// At most this many run at once: each holds the store's writer while it stores.
    static let concurrent = 2
    private let state = Mutex<(jobs: [String: ImportStatus], finished: [String], running: Int)>(([:], [], 0))

    /// Registers a new import, or nil when `concurrent` are running.
    func start(dataset: String?, bytesTotal: Int) -> String? {
        let id = Identifier.make("imp")
        let admitted = state.withLock { state -> Bool in
            guard state.running < Self.concurrent else { return false }
            state.running += 1
            state.jobs[id] = ImportStatus(id: id, dataset: dataset, status: .validating, bytesTotal: bytesTotal, createdAt: Date())
            return true
        }
        return admitted ? id : nil
    }

    func get(_ id: String) -> ImportStatus? {
        state.withLock { $0.jobs[id] }
    }

    func update(_ id: String, _ change: (inout ImportStatus) -> Void) {
        state.withLock { state in
            guard var job = state.jobs[id] else { return }
            change(&job)
            state.jobs[id] = job
        }
    }

    func finish(_ id: String, _ change: (inout ImportStatus) -> Void) {
        state.withLock { state in
            guard var job = state.jobs[id] else { return }
            change(&job)
            job.finishedAt = Date()
            state.jobs[id] = job
            state.running -= 1
            state.finished.append(id)
            if state.finished.count > 100 { state.jobs[state.finished.removeFirst()] = nil }
        }
    }
}
