import Foundation
import Storage
import Testing
import TestSupport

/// An export streams from a cursor: the server's memory must not grow with the dataset
/// (twelve concurrent exports of 90k preferences once took it from 63 MB to 1.25 GB).
/// Measured as the peak resident set of a real `preflab serve` process, which nothing else shares.
@Suite struct ExportMemoryTests {
    static let comparisons = 2_000
    /// Each response is 6 KiB, so the store holds 4 000 × 12 KiB ≈ 48 MiB of judged text.
    static let responseBytes = 6 * 1024

    /// Two agreeing judgements per comparison, written straight into the store; returns an admin token.
    func seed(_ location: DatabaseLocation) throws -> String {
        let database = try Database(location: location, migrator: TestStores.migrator)
        defer { database.close() }
        for batch in stride(from: 0, to: Self.comparisons, by: 250) {
            try database.write { connection in
                if batch == 0 { try connection.query("INSERT INTO prompts (id, text, created_at) VALUES ('pr_1', 'p', 0)", []) }
                for c in batch..<(batch + 250) {
                    let id = String(format: "cmp_%06d", c)
                    try connection.query(
                        "INSERT INTO comparisons (id, prompt_id, response_a, response_b, judgements_required, created_at) VALUES (?, 'pr_1', 'a', 'b', 2, 0)",
                        .text(id))
                    let a = String(repeating: "a\(c % 10)", count: Self.responseBytes / 2)
                    let b = String(repeating: "b\(c % 10)", count: Self.responseBytes / 2)
                    for annotator in ["ann1", "ann2"] {
                        try connection.query(
                            """
                            INSERT INTO preferences (id, comparison_id, prompt, response_a, response_b, choice, annotator, dataset, created_at)
                            VALUES (?, ?, ?, ?, ?, 'a', ?, 'big', ?)
                            """,
                            .text(String(format: "pref_%06d_%@", c, annotator)), .text(id), .text("Prompt \(c)?"), .text(a), .text(b),
                            .text(annotator), .integer(Int64(c)))
                    }
                }
            }
        }
        return try database.write { try TokenRepository.create(name: "admin", role: .admin, on: $0).secret }
    }

    /// A field of /proc/PID/status, in KiB.
    func status(_ pid: Int32, _ field: String) throws -> Int {
        let text = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(field + ":") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? ""))
    }

    /// Streams the export, counting its lines without keeping them.
    func exportLines(port: Int, token: String) throws -> Int {
        let client = try RawClient(port: port, timeoutSeconds: 60)
        try client.send("GET /v1/preferences/export?dataset=big HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer \(token)\r\n\r\n")
        let head = try client.readHead()
        #expect(head.status == 200)
        var lines = 0
        while let chunk = try client.readChunk() { lines += chunk.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
        return lines
    }

    @Test(arguments: TestStores.backends)
    func exportMemoryIsBoundedIndependentlyOfTheDataset(dialect: SQLDialect) throws {
        let location = try TestStores.location(dialect)
        let token = try seed(location)
        let server = try ServerProcess(location: location)
        defer { server.terminate() }
        let pid = server.process.processIdentifier
        // Warm the route up once on an empty selection, then measure the peak from here on.
        #expect(try RawClient(port: server.port).get("/v1/preferences/export?dataset=none", headers: "Authorization: Bearer \(token)\r\n").status == 200)
        let before = try status(pid, "VmRSS")
        // "5" resets the peak resident set to the current one (Linux 4.0+).
        try Data("5".utf8).write(to: URL(fileURLWithPath: "/proc/\(pid)/clear_refs"))
        #expect(try exportLines(port: server.port, token: token) == Self.comparisons)
        let growth = try status(pid, "VmHWM") - before
        let datasetKiB = Self.comparisons * 2 * 2 * Self.responseBytes / 1024
        // Held whole, the preferences alone are the dataset's size, and their rows as much again.
        // Streamed, the peak is a comparison, a 64 KiB buffer and the store's page cache.
        print("export of a \(datasetKiB) KiB dataset on \(dialect): peak RSS grew by \(growth) KiB")
        #expect(growth < datasetKiB / 4, "peak RSS grew by \(growth) KiB exporting a \(datasetKiB) KiB dataset")
    }
}
