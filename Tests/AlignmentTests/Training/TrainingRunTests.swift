import Alignment
import Policy
import Testing

/// Mechanics of a run on tiny untrained models: metric names, contiguous steps, resume exactness.
@Suite struct TrainingRunTests {
    static let config = GPTConfig(layers: 1, dim: 16, heads: 2, context: 16)
    static let pairs: [TextPair] = (0..<12).map { i in
        TextPair(prompt: "\(i % 10)+1=", chosen: "\(i % 10 + 1)", rejected: "\(i % 10 + 3)")
    }

    func run(_ algorithm: String, _ hyper: [String: HyperValue], data: TrainingData, resumeFrom: Safetensors? = nil)
        throws -> (outcome: TrainingOutcome, observer: RecordingObserver)
    {
        let spec = try TrainingSpec(algorithm: algorithm, hyperparameters: hyper, seed: 5)
        let policy = try GPT(config: Self.config, seed: 1)
        let reference = try GPT(config: Self.config, seed: 1)
        let run = try TrainingRun(spec: spec, policy: policy, reference: reference, data: data, resumeFrom: resumeFrom)
        let observer = RecordingObserver()
        return (try run.run(observer: observer), observer)
    }

    static let pairKeys = ["loss", "rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies",
                           "logps/chosen", "logps/rejected", "kl", "grad_norm", "learning_rate"]

    @Test func dpoReportsTRLMetricsOnContiguousSteps() throws {
        let (outcome, observer) = try run("dpo", ["steps": .number(5), "batch_size": .number(4), "checkpoint_every": .number(2)],
                                          data: .pairs(Self.pairs))
        #expect(observer.records.map(\.step) == Array(1...5))
        #expect(observer.checkpoints.map(\.step) == [2, 4, 5])
        #expect(outcome.steps == 5)
        for (step, metrics) in observer.records {
            for key in Self.pairKeys { #expect(metrics[key]?.isFinite == true, "step \(step) lacks \(key)") }
        }
        #expect(observer.checkpoints.last?.file.metadata["preflab.training.algorithm"] == "dpo")
        #expect(observer.checkpoints.last?.file.metadata["preflab.training.step"] == "5")
    }

    @Test func onlineRunsReportIterationsAndEvaluation() throws {
        let hyper: [String: HyperValue] = [
            "iterations": .number(2), "steps_per_iteration": .number(2), "prompts_per_iteration": .number(4),
            "batch_size": .number(4), "eval_samples": .number(2),
        ]
        let (outcome, observer) = try run("nash_mp", hyper, data: .task(StylesTask()))
        #expect(observer.records.map(\.step) == Array(1...8))
        #expect(observer.records.map { $0.metrics["iteration"] ?? 0 } == [1, 1, 1, 1, 2, 2, 2, 2])
        #expect(observer.records.map { $0.metrics["nash_mp/phase"] ?? -1 } == [0, 0, 1, 1, 0, 0, 1, 1])
        for key in ["eval/win_rate", "eval/win_rate_low", "eval/win_rate_high", "eval/exploitability", "eval/kl"] {
            #expect(observer.records.last?.metrics[key] != nil, "last step lacks \(key)")
            #expect(outcome.summary[key] != nil, "summary lacks \(key)")
        }
    }

    @Test(arguments: ["sigmoid", "hinge", "ipo", "cdpo", "robust", "sppo_hard"])
    func everyDPOLossTrains(_ loss: String) throws {
        var hyper: [String: HyperValue] = ["steps": .number(2), "batch_size": .number(4), "loss_type": .string(loss)]
        if loss == "cdpo" || loss == "robust" { hyper["label_smoothing"] = .number(0.1) }
        let (_, observer) = try run("dpo", hyper, data: .pairs(Self.pairs))
        #expect(observer.records.count == 2)
        #expect(observer.records.allSatisfy { $0.metrics["loss"]?.isFinite == true && $0.metrics["grad_norm"]?.isFinite == true })
    }

    @Test func sftLowersItsLoss() throws {
        let tok = ByteTokenizer()
        let examples = (0..<8).map { SFTExample(prompt: tok.encode("\($0)+1=", bos: true), response: tok.encode("\($0 + 1)", eos: true)) }
        let (_, observer) = try run("sft", ["steps": .number(30), "batch_size": .number(8), "learning_rate": .number(3e-3)],
                                    data: .examples(examples))
        let losses = observer.records.compactMap { $0.metrics["loss"] }
        #expect(losses.count == 30)
        #expect((losses.last ?? .infinity) < (losses.first ?? 0) - 1)
    }

    @Test(arguments: [("nash_md", [:]), ("nash_mp", ["prox_solver": HyperValue.string("policy_gradient")])])
    func policyGradientRunsReportMetrics(_ algorithm: String, _ extra: [String: HyperValue]) throws {
        let hyper: [String: HyperValue] = ["iterations": .number(1), "steps_per_iteration": .number(2),
                                           "batch_size": .number(4), "eval_samples": .number(0)].merging(extra) { $1 }
        let (_, observer) = try run(algorithm, hyper, data: .task(StylesTask()))
        #expect(observer.records.map(\.step) == Array(1...(algorithm == "nash_mp" ? 4 : 2)))
        for (step, metrics) in observer.records {
            for key in ["loss", "kl", "grad_norm", "learning_rate", "loss/kl", "rewards/margins", "rewards/accuracies",
                        "rewards/probabilities", "objective/win_rate_estimate", "logps/chosen", "logps/rejected", "iteration"] {
                #expect(metrics[key]?.isFinite == true, "\(algorithm) step \(step) lacks \(key)")
            }
        }
    }

    @Test func sftOnATaskFollowsItsRecipeUnlessOverridden() throws {
        let task = ArithmeticTask()
        let policy = try GPT(config: task.referenceConfig, seed: 1)
        let recipe = try TrainingRun(spec: try TrainingSpec(algorithm: "sft", hyperparameters: [:], seed: 0, task: task),
                                     policy: policy, reference: nil, data: .task(task))
        #expect(recipe.spec.optimizer.batchSize == task.sftConfig.batchSize)
        #expect(recipe.spec.totalSteps == task.sftConfig.steps)
        let overridden = try TrainingRun(spec: try TrainingSpec(algorithm: "sft", hyperparameters: ["steps": .number(3)], seed: 0, task: task),
                                         policy: policy, reference: nil, data: .task(task))
        #expect(overridden.spec.totalSteps == 3)
    }

    @Test func checkpointOfAnotherSeedIsRejected() throws {
        let (_, observer) = try run("dpo", ["steps": .number(2), "batch_size": .number(2)], data: .pairs(Self.pairs))
        let file = try #require(observer.checkpoints.last?.file)
        let spec = try TrainingSpec(algorithm: "dpo", hyperparameters: ["steps": .number(2), "batch_size": .number(2)], seed: 6)
        let policy = try GPT(config: Self.config, seed: 1)
        #expect {
            _ = try TrainingRun(spec: spec, policy: policy, reference: policy, data: .pairs(Self.pairs), resumeFrom: file)
        } throws: { ($0 as? TrainingSpecError)?.field == "seed" }
    }

    @Test func cancellationStopsBetweenSteps() throws {
        let spec = try TrainingSpec(algorithm: "dpo", hyperparameters: ["steps": .number(10), "batch_size": .number(2)], seed: 5)
        let run = try TrainingRun(spec: spec, policy: try GPT(config: Self.config, seed: 1), reference: nil, data: .pairs(Self.pairs))
        let observer = RecordingObserver(cancelAfter: 3)
        #expect(throws: TrainingCancelled.self) { try run.run(observer: observer) }
        #expect(observer.records.count == 3)
    }

    /// Runs to the end, then again from a mid-run checkpoint (through bytes): later metrics and final weights match bit for bit.
    func expectResumeIsExact(_ algorithm: String, _ hyper: [String: HyperValue], data: TrainingData, from step: Int) throws {
        let full = try run(algorithm, hyper, data: data)
        let saved = try #require(full.observer.checkpoints.first { $0.step == step }?.file)
        let resumed = try run(algorithm, hyper, data: data, resumeFrom: try Safetensors(bytes: saved.encoded()))
        #expect(resumed.observer.records.map(\.step) == Array((step + 1)...full.outcome.steps))
        for (a, b) in zip(full.observer.records.dropFirst(step), resumed.observer.records) {
            #expect(a.metrics == b.metrics, "step \(a.step) differs after resume")
        }
        #expect(full.outcome.policy.parameters.array == resumed.outcome.policy.parameters.array)
        #expect(full.outcome.summary == resumed.outcome.summary)
    }

    @Test func dpoResumesExactly() throws {
        try expectResumeIsExact("dpo", ["steps": .number(6), "batch_size": .number(4), "checkpoint_every": .number(3)],
                                data: .pairs(Self.pairs), from: 3)
    }

    @Test func nashMPResumesExactlyMidPhase() throws {
        // Step 5 is inside the second (π_{k+½}) phase of iteration 1: the checkpoint carries π_k and π_{k+½}.
        let hyper: [String: HyperValue] = [
            "iterations": .number(2), "steps_per_iteration": .number(3), "prompts_per_iteration": .number(4),
            "batch_size": .number(4), "checkpoint_every": .number(5), "eval_samples": .number(2),
        ]
        try expectResumeIsExact("nash_mp", hyper, data: .task(StylesTask()), from: 5)
    }

    @Test func sppoResumesExactlyMidIteration() throws {
        let hyper: [String: HyperValue] = [
            "iterations": .number(2), "steps_per_iteration": .number(3), "prompts_per_iteration": .number(4),
            "batch_size": .number(4), "checkpoint_every": .number(4), "eval_samples": .number(0),
        ]
        try expectResumeIsExact("sppo", hyper, data: .task(ArithmeticTask()), from: 4)
    }

    @Test func checkpointOfAnotherAlgorithmIsRejected() throws {
        let (_, observer) = try run("dpo", ["steps": .number(2), "batch_size": .number(2)], data: .pairs(Self.pairs))
        let file = try #require(observer.checkpoints.last?.file)
        let spec = try TrainingSpec(algorithm: "inpo", hyperparameters: [:], seed: 5)
        let policy = try GPT(config: Self.config, seed: 1)
        #expect {
            _ = try TrainingRun(spec: spec, policy: policy, reference: policy, data: .task(StylesTask()), resumeFrom: file)
        } throws: { ($0 as? TrainingSpecError)?.field == "resume" }
    }
}
