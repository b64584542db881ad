import Alignment
import Crypto
import Foundation
public import Storage

/// People as a run's judge (`judge: "human"`). Asked about pairs the first time, it posts them to the
/// annotation queue as one batch of comparisons (dataset `run:<id>` or `judge_options.dataset`, each
/// carrying the run's id), marks the run `waiting` and throws ``HumanJudgementPending``: the trainer
/// checkpoints, the job is parked until the batch is judged or its deadline passes, and no thread waits.
/// Asked again (the resumed run samples the same pairs), it finds the batch by the pairs' digest and
/// answers from the stored judgements: P = 1, 0 or ½ by majority (a tie is ½), NaN for a pair with only
/// skips or none, which the trainers leave out. Identical responses are ½ and never posted; a pair asked
/// twice in one batch is posted once.
struct HumanJudge: BatchJudge {
    let runID: String
    let options: HumanJudgeOptions
    let database: Database

    var judgesEvaluations: Bool { false }

    struct PairKey: Hashable {
        var prompt: String, a: String, b: String
    }

    func judgedRewards(prompts: [String], responses: [String]) -> [Double]? { nil }

    func probabilities(prompts: [String], a: [String], b: [String]) throws -> [Double] {
        // PostgreSQL text cannot hold NUL, which a byte-level policy may sample.
        func clean(_ text: String) -> String { text.contains("\0") ? text.replacingOccurrences(of: "\0", with: "\u{FFFD}") : text }
        let keys = prompts.indices.map { PairKey(prompt: clean(prompts[$0]), a: clean(a[$0]), b: clean(b[$0])) }
        var distinct: [PairKey] = []
        var seen = Set<PairKey>()
        for key in keys where key.a != key.b && seen.insert(key).inserted { distinct.append(key) }
        guard !distinct.isEmpty else { return keys.map { _ in 0.5 } }
        let digest = Self.digest(keys)
        let database = database, runID = runID, options = options, asked = distinct
        guard let batch = try database.read({ try RunJudgeBatchRepository.find(runID: runID, digest: digest, on: $0) }) else {
            let posted = try database.write { try Self.post(asked, digest: digest, runID: runID, options: options, on: $0) }
            throw HumanJudgementPending(batchID: posted.id, deadline: posted.deadline)
        }
        let progress = try database.read { try RunJudgeBatchRepository.progress(batchID: batch.id, on: $0) }
        // Once read, a batch's verdicts are fixed: a run resumed mid-iteration trains on what it trained on.
        if batch.decidedAt == nil, !progress.isComplete {
            guard Date() >= batch.deadline else {
                try database.write { try RunRepository.markWaiting(id: runID, on: $0) }
                throw HumanJudgementPending(batchID: batch.id, deadline: batch.deadline)
            }
            let needed = options.minimumJudged(of: progress.pairs)
            guard progress.withVerdict >= needed else {
                throw HumanJudgeShortfall(description: """
                    judge 'human': \(progress.withVerdict) of \(progress.pairs) pairs in dataset '\(batch.dataset)' had a verdict at the \
                    deadline \(ISO8601Time.string(batch.deadline)); judge_options.min_judged_fraction \(options.minJudgedFraction) needs \(needed)
                    """)
            }
        }
        let pairs = try database.write { connection in
            try RunJudgeBatchRepository.pairs(batchID: batch.id, until: try RunJudgeBatchRepository.decide(id: batch.id, on: connection), on: connection)
        }
        var verdicts: [PairKey: Double] = [:]
        for pair in pairs {
            verdicts[PairKey(prompt: pair.prompt, a: pair.responseA, b: pair.responseB)] = switch MajorityResolution.outcome(of: pair.votes) {
            case .a?: 1
            case .b?: 0
            case .tie?: 0.5
            case nil: .nan
            }
        }
        return keys.map { $0.a == $0.b ? 0.5 : verdicts[$0] ?? .nan }
    }

    /// SHA-256 over every pair as asked, length-prefixed: the same call after a resume finds its batch.
    static func digest(_ keys: [PairKey]) -> String {
        var hasher = SHA256()
        for key in keys {
            for text in [key.prompt, key.a, key.b] {
                let bytes = Array(text.utf8)
                withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { hasher.update(bufferPointer: $0) }
                hasher.update(data: bytes)
            }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The batch, its prompts and comparisons, the run `waiting` and `run.waiting` announced: one transaction.
    static func post(_ pairs: [PairKey], digest: String, runID: String, options: HumanJudgeOptions,
                     now: Date = Date(), on connection: any SQLConnection) throws -> RunJudgeBatch {
        let batch = RunJudgeBatch(id: Identifier.make("rjb", now: now), runID: runID, digest: digest, dataset: options.dataset(runID: runID),
                                  pairs: pairs.count, judgementsRequired: options.judgementsRequired, createdAt: now,
                                  deadline: now.addingTimeInterval(Double(options.timeoutSeconds)))
        try RunJudgeBatchRepository.insert(batch, on: connection)
        // One prompt row per distinct prompt, outside any prompt dataset: a run on stored prompts must not
        // find its own samples' prompts added to the dataset it samples from.
        var promptIDs: [String: String] = [:]
        for text in Set(pairs.map(\.prompt)).sorted() {
            promptIDs[text] = try PromptRepository.insert([NewPrompt(text: text, dataset: nil)], on: connection)[0].id
        }
        _ = try ComparisonRepository.insert(pairs.map {
            NewComparison(promptID: promptIDs[$0.prompt], responseA: $0.a, responseB: $0.b, dataset: batch.dataset,
                          judgementsRequired: batch.judgementsRequired, runID: runID, runBatch: batch.id)
        }, on: connection)
        guard try RunRepository.markWaiting(id: runID, now: now, on: connection), let run = try RunRepository.get(id: runID, on: connection) else {
            return batch
        }
        let progress = RunJudgeProgress(judged: 0, withVerdict: 0, pairs: batch.pairs)
        guard case .object(var data) = RunEvents.summary(run) else { return batch }
        data["waiting"] = HumanJudgeStatus.object(batch, progress)
        try Webhooks.emit(.runWaiting, data: .object(data), now: now, on: connection)
        return batch
    }
}

/// The verdicts asked for are with people: the run waits for batch `batchID` until `deadline` at the latest.
struct HumanJudgementPending: JudgementPending, Sendable {
    let batchID: String
    let deadline: Date
}

/// Too few pairs had a verdict when the wait ended: the run fails with this, naming the judge.
struct HumanJudgeShortfall: Error, Sendable, CustomStringConvertible {
    let description: String
}

/// What `GET /v1/runs/{id}` and `run.waiting` show of a run waiting for people.
public enum HumanJudgeStatus {
    /// The `waiting` object of a run: its newest batch and how far people are with it; nil when it has none.
    public static func waiting(runID: String, on connection: any SQLConnection) throws -> JSONValue? {
        guard let batch = try RunJudgeBatchRepository.latest(runID: runID, on: connection) else { return nil }
        return object(batch, try RunJudgeBatchRepository.progress(batchID: batch.id, on: connection))
    }

    static func object(_ batch: RunJudgeBatch, _ progress: RunJudgeProgress) -> JSONValue {
        .object([
            "batch_id": .string(batch.id),
            "dataset": .string(batch.dataset),
            "judged": .number(Double(progress.judged)),
            "with_verdict": .number(Double(progress.withVerdict)),
            "required": .number(Double(batch.pairs)),
            "judgements_required": .number(Double(batch.judgementsRequired)),
            "since": .string(ISO8601Time.string(batch.createdAt)),
            "deadline": .string(ISO8601Time.string(batch.deadline)),
        ])
    }
}
