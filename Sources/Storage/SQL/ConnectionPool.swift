import Dispatch
import Synchronization

/// A bounded pool of connections, created lazily, dropped when unhealthy
/// (a broken PostgreSQL connection is replaced on the next checkout).
final class ConnectionPool: Sendable {
    private let capacity: DispatchSemaphore
    private let idle = Mutex<[Box]>([])
    private let open: @Sendable () throws(StorageError) -> any SQLConnection
    private let healthy: @Sendable (any SQLConnection) -> Bool

    /// Holds a connection between uses; only ever touched by the thread that checked it out.
    final class Box: @unchecked Sendable {
        let connection: any SQLConnection
        init(_ connection: any SQLConnection) { self.connection = connection }
    }

    init(size: Int, open: @escaping @Sendable () throws(StorageError) -> any SQLConnection,
         healthy: @escaping @Sendable (any SQLConnection) -> Bool) {
        capacity = DispatchSemaphore(value: size)
        self.open = open
        self.healthy = healthy
    }

    /// Lends a connection to `body`; waits while all are in use.
    func with<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        capacity.wait()
        defer { capacity.signal() }
        let box: Box
        if let reused = idle.withLock({ $0.popLast() }) {
            box = reused
        } else {
            box = Box(try open())
        }
        do {
            let result = try body(box.connection)
            if healthy(box.connection) { idle.withLock { $0.append(box) } }
            return result
        } catch {
            if healthy(box.connection) { idle.withLock { $0.append(box) } }
            throw error
        }
    }
}
