public import Foundation

/// A dataset's guidelines for annotators.
public struct DatasetGuidelines: Codable, Sendable, Equatable {
    public var dataset: String
    /// Markdown, rendered by the annotation page as a safe subset.
    public var markdown: String
    public var updatedBy: String
    public var updatedAt: Date
}

/// One dataset's progress, as one annotator (or a researcher, `annotator` nil) sees it.
public struct DatasetProgress: Codable, Sendable, Equatable {
    /// The dataset; nil for comparisons filed under none.
    public var dataset: String?
    public var comparisons: Int
    /// Judgements counted so far and asked for, over the dataset's comparisons (skips not counted).
    public var judgementsDone: Int
    public var judgementsRequired: Int
    /// Comparisons still open: for an annotator, those it has not judged (the one it holds included).
    public var remaining: Int
    /// The annotator's standing judgements in the dataset (undone ones not counted); nil for researchers.
    public var judgedByMe: Int?
    public var hasGuidelines: Bool
}

/// Why an undo was refused.
public struct UndoRefusal: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Not a judgement of a comparison (inline judgements are not in a queue), or already an undo.
        case notUndoable
        /// A later judgement of the same annotator and comparison exists (or this one was undone).
        case superseded
        /// Older than the undo window.
        case windowPassed(seconds: Int)
    }

    public let kind: Kind
}

/// Guidelines, per-dataset progress and undo: what the annotation page needs beyond the queue.
public enum AnnotationRepository {
    /// How long after judging an annotator may still undo.
    public static let undoWindowSeconds = 300

    public static func setGuidelines(dataset: String, markdown: String, by who: String,
                                     on connection: any SQLConnection) throws -> DatasetGuidelines {
        let now = Date()
        try connection.query(
            """
            INSERT INTO dataset_guidelines (dataset, markdown, updated_by, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (dataset) DO UPDATE SET markdown = excluded.markdown, updated_by = excluded.updated_by,
                                                updated_at = excluded.updated_at
            """, .text(dataset), .text(markdown), .text(who), .integer(Timestamp.micros(now)))
        return DatasetGuidelines(dataset: dataset, markdown: markdown, updatedBy: who, updatedAt: Timestamp.date(.integer(Timestamp.micros(now))))
    }

    public static func guidelines(dataset: String, on connection: any SQLConnection) throws -> DatasetGuidelines? {
        try connection.query("SELECT * FROM dataset_guidelines WHERE dataset = ?", .text(dataset)).first.map { row in
            DatasetGuidelines(dataset: row["dataset"].string ?? "", markdown: row["markdown"].string ?? "",
                              updatedBy: row["updated_by"].string ?? "", updatedAt: Timestamp.date(row["updated_at"]))
        }
    }

    /// Every dataset's progress, the unnamed one first, then by name. For an annotator, only datasets it may
    /// still judge in or has judged in.
    public static func progress(annotator: String?, on connection: any SQLConnection) throws -> [DatasetProgress] {
        let rows = try connection.query(
            """
            SELECT c.dataset, COUNT(*) AS comparisons, SUM(c.judgements_done) AS done, SUM(c.judgements_required) AS required,
                   SUM(CASE WHEN c.judgements_done < c.judgements_required AND \(QueueRepository.notOfAFinishedRun) AND NOT EXISTS (
                           SELECT 1 FROM assignments a WHERE a.comparison_id = c.id AND a.annotator = ? AND a.judged_at IS NOT NULL)
                       THEN 1 ELSE 0 END) AS remaining,
                   SUM(CASE WHEN EXISTS (
                           SELECT 1 FROM assignments a WHERE a.comparison_id = c.id AND a.annotator = ? AND a.judged_at IS NOT NULL)
                       THEN 1 ELSE 0 END) AS mine,
                   MAX(CASE WHEN g.dataset IS NULL THEN 0 ELSE 1 END) AS guided
            FROM comparisons c LEFT JOIN dataset_guidelines g ON g.dataset = c.dataset
            GROUP BY c.dataset
            """, .text(annotator ?? ""), .text(annotator ?? ""))
        return rows.compactMap { row in
            let progress = DatasetProgress(
                dataset: row["dataset"].string, comparisons: row["comparisons"].int ?? 0, judgementsDone: row["done"].int ?? 0,
                judgementsRequired: row["required"].int ?? 0, remaining: row["remaining"].int ?? 0,
                judgedByMe: annotator == nil ? nil : row["mine"].int ?? 0, hasGuidelines: (row["guided"].int ?? 0) > 0)
            if annotator != nil, progress.remaining == 0, progress.judgedByMe == 0 { return nil }
            return progress
        }.sorted { ($0.dataset != nil ? 1 : 0, $0.dataset ?? "") < ($1.dataset != nil ? 1 : 0, $1.dataset ?? "") }
    }

    /// Withdraws `annotator`'s judgement `id` by appending an undo row (`undoes` = id, choice `skip`), while it is
    /// their latest on its comparison and younger than the window: the comparison gets its judgement slot back
    /// and is leased to the annotator again for `leaseSeconds`, so the page can show it for a new judgement.
    /// Nil when there is no such judgement of theirs.
    public static func undo(id: String, annotator: String, leaseSeconds: Int,
                            on connection: any SQLConnection) throws -> (undo: Preference, lease: Lease)? {
        try QueueRepository.lock(on: connection)
        guard let original = try PreferenceRepository.get(id: id, on: connection), original.annotator == annotator else { return nil }
        guard original.undoes == nil, let comparisonID = original.comparisonID,
              let comparison = try ComparisonRepository.get(id: comparisonID, on: connection)
        else { throw UndoRefusal(kind: .notUndoable) }
        let later = try connection.query(
            "SELECT 1 FROM preferences WHERE comparison_id = ? AND annotator = ? AND id > ? LIMIT 1",
            .text(comparisonID), .text(annotator), .text(id))
        guard later.isEmpty else { throw UndoRefusal(kind: .superseded) }
        let now = Date()
        guard now.timeIntervalSince(original.createdAt) <= Double(undoWindowSeconds) else {
            throw UndoRefusal(kind: .windowPassed(seconds: undoWindowSeconds))
        }
        let nowMicros = Timestamp.micros(now)
        if original.choice != .skip {
            try connection.query("UPDATE comparisons SET judgements_done = judgements_done - 1 WHERE id = ? AND judgements_done > 0",
                                 .text(comparisonID))
        }
        let expires = now.addingTimeInterval(Double(leaseSeconds))
        let shownFirst = original.shownFirst ?? "a"
        try connection.query(
            "UPDATE assignments SET judged_at = NULL, leased_at = ?, expires_at = ? WHERE comparison_id = ? AND annotator = ?",
            .integer(nowMicros), .integer(Timestamp.micros(expires)), .text(comparisonID), .text(annotator))
        let undo = Preference(
            id: Identifier.make("pref", now: now), comparisonID: comparisonID, prompt: original.prompt, responseA: original.responseA,
            responseB: original.responseB, choice: .skip, strength: nil, rationale: nil, annotator: annotator,
            shownFirst: original.shownFirst, timeSpentMS: nil, dataset: original.dataset, createdAt: now,
            promptMessages: original.promptMessages, undoes: id)
        try connection.query(
            """
            INSERT INTO preferences (id, comparison_id, prompt, response_a, response_b, choice, annotator, shown_first, dataset,
                                     created_at, prompt_messages, undoes)
            VALUES (?, ?, ?, ?, ?, 'skip', ?, ?, ?, ?, ?, ?)
            """,
            .text(undo.id), .text(comparisonID), .text(undo.prompt), .text(undo.responseA), .text(undo.responseB), .text(annotator),
            .optional(undo.shownFirst), .optional(undo.dataset), .integer(nowMicros), ChatMessage.storedText(undo.promptMessages), .text(id))
        return (undo, Lease(comparison: comparison, shownFirst: shownFirst, expiresAt: expires))
    }
}
