import Foundation
import TestSupport
import Testing

/// `preflab serve` as a process: flags, the printed URL, and exit 0 on SIGTERM.
@Suite struct ServeCommandTests {
    /// The `preflab` executable built beside the test bundle.
    static var binary: URL? {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [besideTests, besideTests.deletingLastPathComponent(), TestStores.packageRoot.appendingPathComponent(".build/debug")] {
            let candidate = directory.appendingPathComponent("preflab")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    func launch(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        guard let binary = Self.binary else {
            throw RawClient.ClientError("build the preflab product first (swift build --build-tests)")
        }
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    /// Reads stdout until the "listening on" line; returns the port and everything printed.
    func awaitListening(_ pipe: Pipe) throws -> (port: Int, printed: String) {
        var text = ""
        let handle = pipe.fileHandleForReading
        while !text.contains("listening on http://") || !text.hasSuffix("\n") {
            let data = handle.availableData
            guard !data.isEmpty else { break }
            text += String(decoding: data, as: UTF8.self)
        }
        let line = try #require(text.split(separator: "\n").first { $0.contains("listening on http://") })
        let port = try #require(line.split(separator: ":").dropFirst(2).first.flatMap { Int($0.prefix { $0.isNumber }) })
        return (port, text)
    }

    @Test func servesAndExitsZeroOnSIGTERM() throws {
        let directory = NSTemporaryDirectory() + "preflab-serve-\(UUID().uuidString)"
        let (process, out, _) = try launch(["serve", "--port", "0", "--database", "sqlite:\(directory)/s.sqlite", "--log-level", "warning"])
        let (port, printed) = try awaitListening(out)
        // A fresh store gets an admin token, printed once, that works.
        let admin = try #require(printed.split(whereSeparator: { $0 == " " || $0 == "\n" }).first { $0.hasPrefix("pl_") }.map(String.init))
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
        let directory = NSTemporaryDirectory() + "preflab-env-\(UUID().uuidString)"
        let (process, out, _) = try launch(["serve"], environment: [
            "PREFLAB_PORT": "0", "PREFLAB_DATABASE": "sqlite:\(directory)/e.sqlite", "PREFLAB_LOG_LEVEL": "error",
        ])
        let port = try awaitListening(out).port
        #expect(try RawClient(port: port).get("/livez").status == 200)
        process.interrupt()  // SIGINT drains the same way
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    /// The binary finds `Migrations/` from its own location, whatever the working directory.
    @Test func migrateWorksFromAnyDirectory() throws {
        let store = NSTemporaryDirectory() + "preflab-migrate-\(UUID().uuidString)/m.sqlite"
        guard let binary = Self.binary else { throw RawClient.ClientError("preflab binary not built") }
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
        let (process, _, err) = try launch(["serve", "--port", "0", "--database", "mysql://nope"])
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message.contains("--database"))
    }
}
