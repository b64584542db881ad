import Dispatch
import Foundation
import Storage
import Synchronization
import Testing
import TestSupport

/// Reads that last as long as a download (exports from a cursor) use a pool of their own.
@Suite struct DatabaseCursorTests {
    @Test(arguments: TestStores.backends)
    func downloadsInProgressDoNotHoldUpOtherReads(dialect: SQLDialect) throws {
        let database = try Database(location: try TestStores.location(dialect), migrator: TestStores.migrator,
                                    readerPoolSize: 2, cursorPoolSize: 2)
        let release = DispatchSemaphore(value: 0)
        let streaming = Mutex(0)
        let exporters = Thread {
            // As many stalled downloads as there are cursor connections, and more than there are readers.
            runOnThreads(3) { _ in
                _ = try? database.readWhileStreaming { connection in
                    try connection.forEachRow("SELECT 1 AS x", []) { _ in
                        streaming.withLock { $0 += 1 }
                        release.wait()
                    }
                }
            }
        }
        exporters.start()
        defer { for _ in 0..<3 { release.signal() } }
        #expect(waitUntil { streaming.withLock { $0 } == 2 })
        // Every cursor connection is held by a stalled download; reads still get a connection.
        let answered = Mutex(false)
        let reader = Thread {
            let count = try? database.read { try $0.query("SELECT count(*) FROM preferences", [])[0][0].int }
            answered.withLock { $0 = count == 0 }
        }
        reader.start()
        #expect(waitUntil { answered.withLock { $0 } })
        // The third download waits for a cursor connection rather than taking a reader's.
        #expect(streaming.withLock { $0 } == 2)
    }
}
