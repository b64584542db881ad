import Foundation
import HTTPServer
import Storage

/// `GET /v1/workers`: the live worker pools (this server's in-process pool and every `preflab worker`),
/// with the jobs each was running at its last heartbeat.
struct WorkerRoutes {
    let database: Database
    let auth: Authenticator

    struct WorkerBody: Encodable, Sendable {
        var id: String
        var host: String
        var pid: Int
        var kinds: [String]
        var threads: Int
        var startedAt: Date
        var heartbeatAt: Date
        var currentJobs: [String]

        init(_ worker: WorkerRecord) {
            id = worker.id
            host = worker.host
            pid = worker.pid
            kinds = worker.kinds
            threads = worker.threads
            startedAt = worker.startedAt
            heartbeatAt = worker.heartbeatAt
            currentJobs = worker.currentJobs
        }
    }

    func register(on router: inout Router) {
        let database = database
        // A pool is listed while its last heartbeat is less than its own lease ago (it beats every third).
        router.get("/v1/workers", handler: auth.require(Roles.readers) { _, _ in
            let workers = try database.read { try WorkerRepository.live(on: $0) }
            return try JSONResponse.make(ListBody(items: workers.map(WorkerBody.init), nextPageToken: nil))
        })
    }
}
