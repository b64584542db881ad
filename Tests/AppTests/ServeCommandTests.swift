import Foundation
import TestSupport
import Testing

/// `preflab serve` as a process: flags, the printed URL, and exit 0 on SIGTERM.
@Suite struct ServeCommandTests {
    @Test func servesAndExitsZeroOnSIGTERM() throws {
        let directory = TestStores.scratchDirectory("serve")
        let server = try ServerProcess(arguments: ["serve", "--port", "0", "--database", "sqlite:\(directory)/s.sqlite", "--log-level", "warning"])
        let (process, port) = (server.process, server.port)
        // A fresh store gets an admin token, printed once, that works.
        let admin = try #require(server.printed.split(whereSeparator: { $0 == " " || $0 == "\n" }).first { $0.hasPrefix("pl_") }.map(String.init))
        #expect(try RawClient(port: port).request("GET", "/v1/prompts", headers: ["Authorization": "Bearer \(admin)"]).status == 200)
        #expect(try RawClient(port: port).get("/livez").status == 200)
        let idle = try RawClient(port: port)
        #expect(try idle.get("/readyz").status == 200)
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        #expect(idle.isClosedByPeer())
    }

    @Test func environmentVariablesConfigureServe() throws {
        let directory = TestStores.scratchDirectory("env")
        let server = try ServerProcess(arguments: ["serve"], environment: [
            "PREFLAB_PORT": "0", "PREFLAB_DATABASE": "sqlite:\(directory)/e.sqlite", "PREFLAB_LOG_LEVEL": "error",
        ])
        #expect(try RawClient(port: server.port).get("/livez").status == 200)
        server.process.interrupt()  // SIGINT drains the same way
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
    }

    /// The binary finds `Migrations/` from its own location, whatever the working directory.
    @Test func migrateWorksFromAnyDirectory() throws {
        let store = TestStores.scratchDirectory("migrate") + "/m.sqlite"
        guard let binary = ServerProcess.binary else { throw RawClient.ClientError("preflab binary not built") }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["migrate", "--database", "sqlite:\(store)"]
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        var environment = ProcessInfo.processInfo.environment
        environment["PREFLAB_MIGRATIONS_DIR"] = nil
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let latest = try #require(try TestStores.migrator.migrations(for: .sqlite).last)
        #expect(text.contains("schema at \(latest.version) \(latest.name)"))
    }

    @Test func invalidDatabaseIsRejectedBeforeServing() throws {
        guard let binary = ServerProcess.binary else { throw RawClient.ClientError("preflab binary not built") }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve", "--port", "0", "--database", "mysql://nope"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message.contains("--database"))
    }
}
