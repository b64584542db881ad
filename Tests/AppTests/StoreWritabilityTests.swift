import App
import Foundation
import Logging
import Storage
import Synchronization
import Testing
import TestSupport

/// A SQLite store that cannot take writes: a full disk is logged once per episode and reported
/// by `/readyz` until a write succeeds again; a read-only file stops start-up with a clear message.
@Suite struct StoreWritabilityTests {
    /// Keeps what the application logs at `error` and above.
    final class ErrorLog: Sendable {
        let lines = Mutex<[String]>([])

        struct Handler: LogHandler {
            let log: ErrorLog
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .info

            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }

            func log(event: LogEvent) {
                guard event.level >= .error else { return }
                log.lines.withLock { $0.append("\(event.message) \(event.metadata ?? [:])") }
            }
        }

        var count: Int { lines.withLock { $0.count } }
    }

    /// Caps the store at its current size on the writer connection (whose limit is the one that
    /// counts): SQLite then refuses to grow with SQLITE_FULL, as on a full disk. The body throws so
    /// the write itself does not count as one that succeeded.
    func setPageLimit(_ app: Application, _ pages: Int) {
        struct NotAWrite: Error {}
        _ = try? app.database.write { connection -> Int in
            try connection.execute(script: "PRAGMA max_page_count = \(pages)")
            throw NotAWrite()
        }
    }

    @Test func diskFullIsLoggedOncePerEpisodeAndReadyzSaysNotWritable() throws {
        let log = ErrorLog()
        let app = try Application(
            configuration: AppConfiguration(port: 0, database: try TestStores.location(.sqlite), workers: 4, logLevel: .info),
            logger: Logger(label: "test") { _ in ErrorLog.Handler(log: log) }, migrator: TestStores.migrator)
        try app.start()
        defer { app.stop() }
        let token = try app.database.write { try TokenRepository.create(name: "r", role: .researcher, on: $0).secret }
        let big = String(repeating: "full disk ", count: 20_000)
        func post(_ text: String) throws -> Int {
            let body = Array(try JSONSerialization.data(withJSONObject: ["text": text]))
            return try RawClient(port: app.server.port).request(
                "POST", "/v1/prompts", headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"], body: body).status
        }
        func readyz() throws -> (status: Int, store: [String: Any]) {
            let response = try RawClient(port: app.server.port).get("/readyz")
            return (response.status, (response.json["checks"] as? [String: Any])?["store"] as? [String: Any] ?? [:])
        }
        #expect(try post("fits") == 201)
        #expect(try readyz().status == 200)

        setPageLimit(app, 1)
        for _ in 0..<4 { #expect(try post(big) == 503) }
        #expect(log.count == 1, "\(log.lines.withLock { $0 })")
        #expect(log.lines.withLock { $0.first?.contains("not writable") == true })
        for _ in 0..<2 {
            let ready = try readyz()
            #expect(ready.status == 503)
            #expect(ready.store["status"] as? String == "not_writable")
            #expect((ready.store["error"] as? String)?.contains("full") == true)
        }
        #expect(log.count == 1)

        // Space is back and nothing else writes: /readyz finds out by itself.
        setPageLimit(app, 1_000_000)
        #expect(try readyz().status == 200)
        #expect(try post(big) == 201)

        // A second episode is a second line.
        setPageLimit(app, 1)
        #expect(try post(big) == 503)
        #expect(try post(big) == 503)
        #expect(log.count == 2)
    }

    /// As root (which the tests run as), mode 0444 does not stop SQLite writing: start-up must still
    /// refuse, on the mode bits, rather than serve a store its operator made read-only.
    @Test(arguments: ["file", "directory"])
    func readOnlyStoreFailsStartUpSayingSo(what: String) throws {
        guard let binary = ServerProcess.binary else { throw RawClient.ClientError("preflab binary not built") }
        let location = try TestStores.location(.sqlite)
        guard case .sqlite(let path) = location else { return }
        try Database(location: location, migrator: TestStores.migrator).close()
        let target = what == "file" ? path : (path as NSString).deletingLastPathComponent
        try FileManager.default.setAttributes([.posixPermissions: what == "file" ? 0o444 : 0o555], ofItemAtPath: target)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: target) }

        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve", "--port", "0", "--database", "sqlite:\(path)"]
        process.environment = ProcessInfo.processInfo.environment.merging(["PREFLAB_MIGRATIONS_DIR": TestStores.migrator.directory.path]) { $1 }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let exited = waitUntil(seconds: 20) { !process.isRunning }
        if !exited { process.terminate() }
        process.waitUntilExit()
        #expect(exited, "preflab serve started on a read-only store")
        #expect(process.terminationStatus != 0)
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message.contains("read-only") && message.contains(what == "file" ? path : "directory"), "\(message)")
    }
}
