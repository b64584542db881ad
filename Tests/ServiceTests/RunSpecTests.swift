import Alignment
import Foundation
import Service
import Testing

/// A run specification is decoded and validated once; its JSON is all a worker needs, and decodes to the
/// same spec. Errors name the field at fault.
@Suite struct RunSpecTests {
    static let tabular = #"{"algorithm": "nash_mp", "task": {"kind": "tabular", "preference_matrix": [[0.5, 0.9, 0.1], [0.1, 0.5, 0.9], [0.9, 0.1, 0.5]], "reference": [0.5, 0.3, 0.2]}, "hyperparameters": {"beta": 0.1, "iterations": 20}, "seed": 4}"#
    static let text = #"{"name": "d", "algorithm": "dpo", "model": "mdl_1", "task": {"kind": "text", "name": "arithmetic"}, "hyperparameters": {"loss_type": "ipo", "beta": 0.5}}"#
    static let dataset = #"{"algorithm": "sft", "model": "mdl_1", "dataset": {"dataset": "geo", "since": "2026-01-31T12:00:00.5+01:00"}}"#

    func decode(_ json: String) throws -> RunSpec { try RunSpec.decode(Array(json.utf8)) }

    func field(_ json: String) -> String? {
        do {
            _ = try decode(json)
            return nil
        } catch let error as RunSpecError {
            return error.field
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test(arguments: [tabular, text, dataset])
    func storedJSONDecodesToTheSameSpec(_ json: String) throws {
        let spec = try decode(json)
        let stored = spec.json
        #expect(try decode(stored) == spec)
        #expect(try decode(stored).json == stored, "the resolved form is a fixed point")
        #expect(stored.contains(#""version":1"#))
    }

    @Test func hyperparametersAreTypedAndResolvedOnce() throws {
        let spec = try decode(Self.text)
        guard case .training(let run) = spec.job, case .dpo(let dpo) = run.training.method else {
            Issue.record("expected a DPO training run, got \(spec.job)")
            return
        }
        #expect(dpo.lossType == .ipo && dpo.beta == 0.5 && dpo.steps == 300 && dpo.optimizer.batchSize == 64)
        #expect(run.reference == "mdl_1", "the reference defaults to the policy")
        #expect(run.judge == "oracle:arithmetic")
        #expect(spec.totalSteps == 300)
    }

    @Test func sftOnATaskTakesTheRecipeExactlyOnce() throws {
        let task = ArithmeticTask()
        let spec = try decode(#"{"algorithm": "sft", "task": {"kind": "text", "name": "arithmetic"}, "hyperparameters": {"steps": 7}}"#)
        guard case .training(let run) = spec.job, case .sft(let sft) = run.training.method else {
            Issue.record("expected SFT")
            return
        }
        #expect(sft.steps == 7)
        #expect(sft.optimizer.batchSize == task.sftConfig.batchSize)
        // The recipe's Float learning rate through its shortest text: 0.003, not 0.0030000000260770321.
        #expect(sft.optimizer.learningRate == Double("\(task.sftConfig.learningRate)"))
        #expect(try decode(spec.json) == spec)
    }

    @Test func errorsNameTheirField() {
        #expect(field(#"{"algorithm": "dpo", "model": "m", "task": {"kind": "text", "name": "arithmetic"}, "hyperparameters": {"loss_type": "sigmoidd"}}"#) == "hyperparameters.loss_type")
        #expect(field(#"{"algorithm": "dpo", "model": "m", "task": {"kind": "text", "name": "arithmetic"}, "hyperparameters": {"betta": 1}}"#) == "hyperparameters.betta")
        #expect(field(#"{"algorithm": "dpo", "model": "m", "task": {"kind": "text", "name": "arithmetic"}, "hyperparameters": {"beta": -1}}"#) == "hyperparameters.beta")
        #expect(field(#"{"algorithm": "dpo", "model": "m", "task": {"kind": "text", "name": "arithmetic"}, "hyperparameters": {"beta": [1]}}"#) == "hyperparameters.beta")
        #expect(field(#"{"algorithm": "dpo", "model": "m", "task": {"kind": "text", "name": "arithmetic"}, "extra": 1}"#) == "extra")
        #expect(field(#"{"algorithm": "dpo", "model": "m", "task": {"kind": "text", "name": "arithmetic", "size": 2}}"#) == "task.size")
        #expect(field(#"{"algorithm": "dpo", "model": "m", "task": {"kind": "text", "name": "chess"}}"#) == "task.name")
        #expect(field(#"{"algorithm": "dpo", "model": "m", "task": {"kind": "board"}}"#) == "task.kind")
        #expect(field(#"{"algorithm": "a2c", "model": "m", "task": {"kind": "text", "name": "arithmetic"}}"#) == "algorithm")
        #expect(field(#"{"algorithm": "dpo", "seed": 2.5, "model": "m", "task": {"kind": "text", "name": "arithmetic"}}"#) == "seed")
        #expect(field(#"{"algorithm": "dpo", "task": {"kind": "text", "name": "arithmetic"}}"#) == "model")
        #expect(field(#"{"algorithm": "sppo", "model": "m", "dataset": {}}"#) == "task")
        #expect(field(#"{"algorithm": "dpo", "model": "m", "dataset": {"since": "yesterday"}}"#) == "dataset.since")
        #expect(field(#"{"version": 2, "algorithm": "dpo", "model": "m", "dataset": {}}"#) == "version")
        #expect(field(#"{"algorithm": "dpo", "model": "m", "task": {"kind": "text", "name": "arithmetic"}, "judge": "human"}"#) == nil)
        #expect(field(#"{"algorithm": "sft", "task": {"kind": "text", "name": "arithmetic"}, "judge": "human"}"#) == "judge")
        #expect(field(#"{"algorithm": "ppo", "model": "m", "task": {"kind": "text", "name": "arithmetic"}, "judge": "human"}"#) == "judge")
        #expect(field(#"{"algorithm": "dpo", "model": "m", "dataset": {}, "judge": "human"}"#) == "dataset")
        #expect(field(#"{"algorithm": "sppo", "model": "m", "task": {"kind": "text", "name": "arithmetic"}, "judge": "human", "judge_options": {"dataset": ""}}"#) == "judge_options.dataset")
        #expect(field(#"{"algorithm": "nash_mp", "task": {"kind": "tabular", "preference_matrix": [[0.5, 0.5], [0.5]], "reference": [0.5, 0.5]}}"#) == "task.preference_matrix")
        #expect(field(#"{"algorithm": "nash_mp", "task": {"kind": "tabular", "preference_matrix": [[0.5, 0.5], [0.5, 0.5]], "reference": [0.5, true]}}"#) == "task.reference")
        #expect(field(#"{"algorithm": "nash_mp", "model": "m", "task": {"kind": "tabular", "preference_matrix": [[0.5, 0.5], [0.5, 0.5]], "reference": [0.5, 0.5]}}"#) == "model")
        #expect(field(#"{"algorithm": "nash_mp", "task": {"kind": "tabular", "preference_matrix": [[0.5, 0.5], [0.5, 0.5]], "reference": [0.5, 0.5]}, "hyperparameters": {"beta": "high"}}"#) == "hyperparameters.beta")
    }

    @Test func nullCountsAsAbsent() throws {
        let spec = try decode(#"{"name": null, "algorithm": "dpo", "model": "m", "reference": null, "task": {"kind": "text", "name": "arithmetic"}, "hyperparameters": {"beta": null}, "dataset": null}"#)
        guard case .training(let run) = spec.job, case .dpo(let dpo) = run.training.method else {
            Issue.record("expected DPO")
            return
        }
        #expect(dpo.beta == DPOHyperparameters().beta && run.reference == "m" && spec.name == nil)
    }
}
