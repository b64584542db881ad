import Foundation
import Storage
import Testing
import TestSupport

/// A pool is live while its last heartbeat is less than its own lease ago, whatever lease a reader runs
/// with; `forget` drops exactly the rows whose own lease has lapsed.
@Suite struct WorkerRepositoryTests {
    static func worker(_ id: String, beat: Date, lease: Duration) -> WorkerRecord {
        WorkerRecord(id: id, host: "h", pid: 1, kinds: ["score_shard"], threads: 1, startedAt: beat, heartbeatAt: beat, currentJobs: [],
                     lease: lease)
    }

    @Test(arguments: TestStores.backends)
    func stalenessFollowsEachPoolsOwnLease(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let now = Date()
        let beat = now.addingTimeInterval(-5)
        try database.write { connection in
            try WorkerRepository.upsert(Self.worker("short", beat: beat, lease: .seconds(2)), on: connection)
            try WorkerRepository.upsert(Self.worker("long", beat: beat, lease: .seconds(60)), on: connection)
        }
        let live = try database.read { try WorkerRepository.live(now: now, on: $0) }
        #expect(live.map(\.id) == ["long"], "5 s without a beat is dead under a 2 s lease, alive under a 60 s one")
        #expect(live.first?.lease == .seconds(60))
        try database.write { try WorkerRepository.forget(now: now, on: $0) }
        let rows = try database.read { try $0.query("SELECT id FROM workers").compactMap { $0["id"].string } }
        #expect(rows == ["long"])
        // A pool that was only slow comes back with its next heartbeat.
        try database.write { try WorkerRepository.upsert(Self.worker("short", beat: now, lease: .seconds(2)), on: $0) }
        #expect(try database.read { try WorkerRepository.live(now: now, on: $0) }.map(\.id).sorted() == ["long", "short"])
    }
}
