import Foundation
import Storage
import Testing
import TestSupport

/// Exports and statistics read the store one comparison at a time from a cursor; what they
/// produce must be exactly what the whole-list computation gives, on both stores.
@Suite struct PreferenceStreamTests {
    /// Judgements of `comparisons` comparisons in an interleaved order, with re-judgements (an
    /// annotator's later one counts), skips, `created_at` ties, inline preferences between them and
    /// three datasets (one nil). Ids are in insertion order, as the store's own are.
    func seed(_ database: Database, comparisons: Int, judgements: Int) throws {
        try database.write { connection in
            try connection.query("INSERT INTO prompts (id, text, created_at) VALUES ('pr_1', 'p', 0)", [])
            for c in 0..<comparisons {
                try connection.query(
                    "INSERT INTO comparisons (id, prompt_id, response_a, response_b, dataset, judgements_required, created_at) VALUES (?, 'pr_1', 'a', 'b', ?, 9, 0)",
                    .text(String(format: "cmp_%05d", c)), .optional(Self.dataset(c)))
            }
            let choices: [Choice] = [.a, .b, .tie, .skip, .a, .a, .b]
            for j in 0..<judgements {
                let inline = j % 11 == 5
                let c = (j * 7 + j / 13) % comparisons
                try connection.query(
                    """
                    INSERT INTO preferences (id, comparison_id, prompt, response_a, response_b, choice, strength, annotator,
                                             shown_first, time_spent_ms, dataset, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    .text(String(format: "pref_%07d", j)), inline ? .null : .text(String(format: "cmp_%05d", c)),
                    .text("Q\(c) \"quoted\" é"), .text("A\(c)\n"), .text("B\(c)"), .text(choices[(j * 5 + c) % choices.count].rawValue),
                    j % 3 == 0 ? .null : .integer(Int64(j % 3)), .text("ann\(j % 4)"), .text(j % 2 == 0 ? "a" : "b"),
                    j % 5 == 0 ? .null : .integer(Int64((j * 37) % 1000)), .optional(inline ? "inline" : Self.dataset(c)),
                    .integer(Int64(j / 3)))
            }
        }
    }

    static func dataset(_ comparison: Int) -> String? {
        comparison % 3 == 0 ? nil : "d\(comparison % 3)"
    }

    func everything(_ database: Database, _ filter: PreferenceFilter = PreferenceFilter()) throws -> [Preference] {
        var out: [Preference] = []
        var cursor: String?
        repeat {
            let page = try database.read { try PreferenceRepository.list(filter, after: cursor, limit: 1000, on: $0) }
            out += page.items
            cursor = page.items.last?.id
            if page.nextPageToken == nil { cursor = nil }
        } while cursor != nil
        return out
    }

    @Test(arguments: TestStores.backends)
    func streamedExportIsByteForByteTheWholeExport(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        try seed(database, comparisons: 150, judgements: 1200)
        for filter in [PreferenceFilter(), PreferenceFilter(dataset: "d1"), PreferenceFilter(annotator: "ann2")] {
            let all = try everything(database, filter)
            #expect(!all.isEmpty)
            for format in TRLExportFormat.allCases {
                for ties in TiePolicy.allCases {
                    let export = TRLExport(options: TRLExportOptions(format: format, tiePolicy: ties, provenance: true))
                    let whole = export.jsonl(for: all)
                    var rows: [UInt8] = [], provenance: [UInt8] = []
                    var largestGroup = 0, preferences = 0
                    try database.read { connection in
                        try PreferenceRepository.forEachComparison(filter, on: connection) { group in
                            largestGroup = max(largestGroup, group.count)
                            preferences += group.count
                            for row in export.rows(forComparison: group) {
                                rows += row.line
                                provenance += row.provenance ?? []
                            }
                        }
                    }
                    #expect(rows == whole.rows, "\(format) \(ties)")
                    #expect(provenance == whole.provenance, "\(format) \(ties)")
                    #expect(preferences == all.count)
                    // One comparison's judgements in memory at a time, not the dataset's.
                    #expect(largestGroup <= 12)
                }
            }
        }
    }

    @Test(arguments: TestStores.backends)
    func streamedStatisticsEqualTheWholeComputation(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        try seed(database, comparisons: 90, judgements: 700)
        for dataset in [nil, "d2", "inline", "none"] as [String?] {
            let all = try everything(database, PreferenceFilter(dataset: dataset))
            var tally = Agreement.DatasetTally()
            try database.read { connection in
                try PreferenceRepository.forEachComparison(PreferenceFilter(dataset: dataset), on: connection) { group in
                    if let item = Agreement.item(forComparison: group) { tally.add(item) }
                }
            }
            #expect(tally.reports == Agreement.perDataset(all))
            let stats = try database.read { try PreferenceRepository.annotatorStats(dataset: dataset, on: $0) }
            #expect(stats == AnnotatorStats.compute(all))
        }
    }

    @Test(arguments: TestStores.backends)
    func aConsumerThatStopsLeavesTheConnectionUsable(dialect: SQLDialect) throws {
        struct Stop: Error {}
        let database = try Database(location: try TestStores.location(dialect), migrator: TestStores.migrator, readerPoolSize: 1)
        try seed(database, comparisons: 50, judgements: 3000)
        var seen = 0
        #expect(throws: Stop.self) {
            try database.read { connection in
                try PreferenceRepository.forEachComparison(PreferenceFilter(), on: connection) { _ in
                    seen += 1
                    if seen == 3 { throw Stop() }
                }
            }
        }
        #expect(seen == 3)
        // The pool's only connection: the abandoned query must not be in its way.
        #expect(try database.read { try $0.query("SELECT count(*) FROM preferences", [])[0][0].int } == 3000)
    }
}
