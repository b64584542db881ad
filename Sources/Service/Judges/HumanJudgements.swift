public import Foundation
import Jobs
public import Storage

/// What a judgement completes, in the transaction that records it: the batch of a run waiting for people
/// (its job is woken, so the run resumes now rather than at its deadline) and whole datasets, each
/// announced once as `comparisons.completed`.
public enum HumanJudgements {
    /// Call after ``PreferenceRepository/insert`` of `preferences`, on the same connection (which holds the
    /// queue lock on PostgreSQL). A comparison is complete when it has its `judgements_required` judgements
    /// (skips do not count); `comparisons.completed` goes out when one completes the last open comparison of
    /// its run's batch (`scope: "run_batch"`) or of its dataset (`scope: "dataset"`), both when it does both.
    public static func recorded(_ preferences: [Preference], now: Date = Date(), on connection: any SQLConnection) throws {
        var batches = Set<String>(), datasets = Set<String>()
        for id in Set(preferences.filter { $0.choice != .skip }.compactMap(\.comparisonID)) {
            guard let place = try RunJudgeBatchRepository.placement(comparisonID: id, on: connection), place.complete else { continue }
            if let batch = place.batch { batches.insert(batch) }
            if let dataset = place.dataset { datasets.insert(dataset) }
        }
        for id in batches.sorted() {
            guard let batch = try RunJudgeBatchRepository.get(id: id, on: connection),
                  try RunJudgeBatchRepository.progress(batchID: id, on: connection).isComplete,
                  try RunJudgeBatchRepository.markCompleted(id: id, now: now, on: connection) else { continue }
            try Webhooks.emit(.comparisonsCompleted, data: .object([
                "scope": .string("run_batch"), "dataset": .string(batch.dataset), "run_id": .string(batch.runID),
                "batch_id": .string(batch.id), "comparisons": .number(Double(batch.pairs)),
                "url": .string("/v1/runs/\(batch.runID)"),
            ]), now: now, on: connection)
            try JobQueue.wake(id: batch.runID, now: now, on: connection)
        }
        for dataset in datasets.sorted() where try RunJudgeBatchRepository.datasetComplete(dataset, on: connection) {
            try Webhooks.emit(.comparisonsCompleted, data: .object([
                "scope": .string("dataset"), "dataset": .string(dataset),
            ]), now: now, on: connection)
        }
    }
}
