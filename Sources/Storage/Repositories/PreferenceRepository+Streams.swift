/// Reads for exports and statistics that fold the store one comparison at a time from a
/// cursor, so their memory does not grow with the dataset (twelve whole-dataset exports
/// once took a server from 63 MB to 1.25 GB).
extension PreferenceRepository {
    /// Calls `body` with the preferences matching `filter`, one comparison at a time (an inline
    /// preference is a comparison of its own): comparisons in order of their first preference,
    /// each comparison's preferences by id. That is the order in which `TRLExport.rows(for:)`
    /// and `Agreement.items` meet them in a list by id, so folding the groups gives the same
    /// bytes and numbers. Holds one comparison's preferences at a time.
    public static func forEachComparison(_ filter: PreferenceFilter, on connection: any SQLConnection,
                                         _ body: ([Preference]) throws -> Void) throws {
        // The store sorts (spilling to disk if it must); this side sees one group at a time.
        let sql = """
            SELECT * FROM (
                SELECT p.*, MIN(p.id) OVER (PARTITION BY COALESCE(p.comparison_id, p.id)) AS group_first
                FROM preferences p WHERE \(filterSQL)
            ) grouped ORDER BY group_first, id
            """
        var key: String?
        var group: [Preference] = []
        try connection.forEachRow(sql, filterParameters(filter)) { row in
            let first = row["group_first"].string
            if first != key, !group.isEmpty {
                try body(group)
                group.removeAll(keepingCapacity: true)
            }
            key = first
            group.append(preference(row))
        }
        if !group.isEmpty { try body(group) }
    }

    /// Per-annotator statistics of the preferences in `dataset` (all when nil), sorted by annotator:
    /// the store counts and finds each median, so memory grows with the annotators only.
    public static func annotatorStats(dataset: String?, on connection: any SQLConnection) throws -> [AnnotatorStats] {
        let filter = filterParameters(PreferenceFilter(dataset: dataset))
        var counts: [String: VoteCounts] = [:]
        try connection.forEachRow(
            "SELECT annotator, choice, COUNT(*) AS n FROM preferences WHERE undoes IS NULL AND \(filterSQL) GROUP BY annotator, choice", filter
        ) { row in
            guard let annotator = row["annotator"].string, let choice = row["choice"].string.flatMap(Choice.init(rawValue:)) else { return }
            let n = row["n"].int ?? 0
            switch choice {
            case .a: counts[annotator, default: VoteCounts()].a += n
            case .b: counts[annotator, default: VoteCounts()].b += n
            case .tie: counts[annotator, default: VoteCounts()].tie += n
            case .skip: counts[annotator, default: VoteCounts()].skip += n
            }
        }
        // The one or two middle values of each annotator's times, for the median.
        var middles: [String: [Int]] = [:]
        try connection.forEachRow(
            """
            SELECT annotator, time_spent_ms FROM (
                SELECT annotator, time_spent_ms,
                       ROW_NUMBER() OVER (PARTITION BY annotator ORDER BY time_spent_ms) AS position,
                       COUNT(*) OVER (PARTITION BY annotator) AS n
                FROM preferences WHERE time_spent_ms IS NOT NULL AND undoes IS NULL AND \(filterSQL)
            ) ranked WHERE position = (n + 1) / 2 OR position = n / 2 + 1
            """, filter
        ) { row in
            guard let annotator = row["annotator"].string, let time = row["time_spent_ms"].int else { return }
            middles[annotator, default: []].append(time)
        }
        return counts.keys.sorted().map { annotator in
            AnnotatorStats(annotator: annotator, counts: counts[annotator] ?? VoteCounts(),
                           medianTimeSpentMS: AnnotatorStats.median(middles[annotator] ?? []))
        }
    }
}
