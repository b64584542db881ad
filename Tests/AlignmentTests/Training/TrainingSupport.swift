import Alignment
import Foundation
import Policy

/// Collects what a run reports; can cancel after a given step.
final class RecordingObserver: TrainingObserver {
    var records: [(step: Int, metrics: [String: Double])] = []
    var checkpoints: [(step: Int, file: Safetensors)] = []
    var cancelAfter: Int?

    init(cancelAfter: Int? = nil) { self.cancelAfter = cancelAfter }

    func record(step: Int, metrics: [String: Double]) throws { records.append((step, metrics)) }
    func checkpoint(step: Int, file: Safetensors) throws { checkpoints.append((step, file)) }
    var isCancelled: Bool { cancelAfter.map { records.count >= $0 } ?? false }
}

/// SFT'd reference weights per task, trained once per test process and shared (as a Sendable file).
enum References {
    static let arithmetic = train(ArithmeticTask())
    static let styles = train(StylesTask())

    /// The task's reference weights; a failed SFT rethrows its own error in every test that needs it.
    static func file(for task: any TextTask) throws -> Safetensors {
        try (task.name == "styles" ? styles : arithmetic).get()
    }

    private static func train(_ task: any TextTask) -> Result<Safetensors, any Error> {
        Result { try task.trainReference(seed: 1).checkpoint() }
    }

    /// A fresh copy of the task's reference policy.
    static func model(for task: any TextTask) throws -> GPT {
        try GPT.load(file(for: task)).model
    }
}

/// Runs `algorithm` on `task` from the task's reference; returns the outcome, the observer and wall seconds.
func train(
    _ algorithm: String, on task: any TextTask, _ hyperparameters: [String: HyperValue] = [:], seed: UInt64 = 3,
    resumeFrom: Safetensors? = nil, cancelAfter: Int? = nil
) throws -> (outcome: TrainingOutcome, observer: RecordingObserver, seconds: Double) {
    let spec = try TrainingSpec(algorithm: algorithm, hyperparameters: hyperparameters, seed: seed, task: task)
    let policy = try References.model(for: task)
    let reference = try References.model(for: task)
    let run = try TrainingRun(spec: spec, policy: policy, reference: reference, data: .task(task), resumeFrom: resumeFrom)
    let observer = RecordingObserver(cancelAfter: cancelAfter)
    let start = Date()
    let outcome = try run.run(observer: observer)
    return (outcome, observer, Date().timeIntervalSince(start))
}
