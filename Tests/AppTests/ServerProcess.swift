import Foundation
import Storage
import TestSupport

/// `preflab serve` in a child process, started and read up to its "listening on" line.
final class ServerProcess: Sendable {
    let process: Process
    let port: Int
    /// Everything printed on stdout up to and including the "listening on" line.
    let printed: String

    /// The `preflab` executable built beside the test bundle.
    static var binary: URL? {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [besideTests, besideTests.deletingLastPathComponent(), TestStores.packageRoot.appendingPathComponent(".build/debug")] {
            let candidate = directory.appendingPathComponent("preflab")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Serves `location` on a free port.
    convenience init(location: DatabaseLocation, environment: [String: String] = [:]) throws {
        let database: String
        switch location {
        case .sqlite(let path): database = "sqlite:\(path)"
        case .postgres(let url): database = url
        }
        try self.init(arguments: ["serve", "--port", "0", "--database", database, "--log-level", "error"],
                      environment: ["PREFLAB_MIGRATIONS_DIR": TestStores.migrator.directory.path].merging(environment) { $1 })
    }

    /// Runs `preflab` with `arguments` (and extra `environment`) and waits for it to listen.
    init(arguments: [String], environment: [String: String] = [:]) throws {
        guard let binary = Self.binary else { throw RawClient.ClientError("build the preflab product first (swift build --build-tests)") }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        var text = ""
        while !text.contains("listening on http://") || !text.hasSuffix("\n") {
            let data = out.fileHandleForReading.availableData
            guard !data.isEmpty else { throw RawClient.ClientError("server exited: \(text)") }
            text += String(decoding: data, as: UTF8.self)
        }
        let line = text.split(separator: "\n").first { $0.contains("listening on http://") } ?? ""
        guard let port = line.split(separator: ":").dropFirst(2).first.flatMap({ Int($0.prefix { $0.isNumber }) }) else {
            throw RawClient.ClientError("no port in '\(line)'")
        }
        self.port = port
        printed = text
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func terminate() {
        process.terminate()
        process.waitUntilExit()
    }
}
