import Foundation
import Testing
import TestSupport

/// What an operator reads from the binary itself: its version, the variables `serve` reads, its JSON logs.
@Suite struct CommandLineTests {
    /// Runs `preflab` to completion; returns its exit status, stdout and stderr.
    static func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        guard let binary = ServerProcess.binary else { throw RawClient.ClientError("build the preflab product first") }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile(), errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }

    @Test func versionPrintsVersionAndCommit() throws {
        let (status, out, _) = try Self.run(["--version"])
        #expect(status == 0)
        let line = out.trimmingCharacters(in: .newlines)
        #expect(line.hasPrefix("preflab ") && line.contains(" (commit ") && !line.contains("\n"), "\(out)")
    }

    /// Every `PREFLAB_*` name the sources read is listed by `serve --help` (`PREFLAB_TOKEN` is the `eval` client's).
    @Test func serveHelpListsEveryEnvironmentVariable() throws {
        let sources = TestStores.packageRoot.appendingPathComponent("Sources")
        var names: Set<String> = []
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift", let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            let regex = try NSRegularExpression(pattern: "\"(PREFLAB_[A-Z_]+)")
            for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                if let range = Range(match.range(at: 1), in: text) { names.insert(String(text[range])) }
            }
        }
        names.remove("PREFLAB_TOKEN")
        #expect(names.count >= 15, "found \(names.sorted())")
        let (status, help, _) = try Self.run(["serve", "--help"])
        #expect(status == 0)
        for name in names.sorted() { #expect(help.contains(name), "serve --help does not list \(name)") }
    }

    /// `--log-format json` on `serve`: every line of standard error is one JSON object; a request's line carries its id.
    @Test func serveLogsOneJSONObjectPerLine() throws {
        guard let binary = ServerProcess.binary else { throw RawClient.ClientError("build the preflab product first") }
        let directory = TestStores.scratchDirectory("jsonlog")
        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve", "--port", "0", "--database", "sqlite:\(directory)/j.sqlite", "--log-level", "debug", "--log-format", "json"]
        process.environment = ProcessInfo.processInfo.environment.merging(["PREFLAB_MIGRATIONS_DIR": TestStores.migrator.directory.path]) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        var text = ""
        while !text.contains("listening on http://") || !text.hasSuffix("\n") {
            let data = out.fileHandleForReading.availableData
            guard !data.isEmpty else { throw RawClient.ClientError("server exited: \(text)") }
            text += String(decoding: data, as: UTF8.self)
        }
        let port = try #require(text.range(of: "listening on http://127.0.0.1:").flatMap { Int(text[$0.upperBound...].prefix { $0.isNumber }) })
        #expect(try RawClient(port: port).request("GET", "/livez", headers: ["X-Request-Id": "trace-\"1\""]).status == 200)
        process.terminate()
        let logged = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = logged.split(separator: "\n")
        #expect(lines.count >= 3, "\(logged)")
        var objects: [[String: Any]] = []
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not a JSON object: \(line)")
            if let object { objects.append(object) }
        }
        #expect(objects.allSatisfy { $0["ts"] is String && $0["level"] is String && $0["msg"] is String })
        #expect(objects.contains { $0["request_id"] as? String == "trace-\"1\"" && $0["http.target"] as? String == "/livez" })
        #expect(objects.contains { $0["msg"] as? String == "stopped" })
    }
}
