import Alignment
import Policy
import Testing

/// Validation happens before any model is touched, and every error names the field at fault.
@Suite struct TrainingSpecTests {
    func field(_ algorithm: String, _ hyper: [String: HyperValue]) -> String? {
        do throws(TrainingSpecError) {
            _ = try TrainingSpec(algorithm: algorithm, hyperparameters: hyper, seed: 0)
            return nil
        } catch {
            return error.field
        }
    }

    @Test func errorsNameTheirField() {
        #expect(field("a2c", [:]) == "algorithm")
        #expect(field("ppo", ["kl_estimator": .string("k2")]) == "hyperparameters.kl_estimator")
        #expect(field("ppo", ["whiten_advantages": .number(1)]) == "hyperparameters.whiten_advantages")
        #expect(field("ppo", ["whiten_advantages": .bool(false), "kl_estimator": .string("k3")]) == nil)
        #expect(field("ppo", ["cliprange_value": .number(0)]) == "hyperparameters.cliprange_value")
        #expect(field("ppo", ["lam": .number(1.5)]) == "hyperparameters.lam")
        #expect(field("rloo", ["rloo_k": .number(1)]) == "hyperparameters.rloo_k")
        #expect(field("grpo", ["num_generations": .number(1)]) == "hyperparameters.num_generations")
        #expect(field("grpo", ["scale_rewards": .string("yes")]) == "hyperparameters.scale_rewards")
        #expect(field("grpo", ["rloo_k": .number(4)]) == "hyperparameters.rloo_k")
        #expect(field("rloo", ["num_mini_batches": .number(32)]) == "hyperparameters.num_mini_batches")
        #expect(field("grpo", ["batch_size": .number(512), "num_generations": .number(16)]) == "hyperparameters.num_generations")
        #expect(field("grpo", ["batch_size": .number(256), "num_generations": .number(16)]) == nil)
        #expect(field("dpo", ["betta": .number(0.1)]) == "hyperparameters.betta")
        #expect(field("dpo", ["beta": .string("0.1")]) == "hyperparameters.beta")
        #expect(field("dpo", ["beta": .number(.nan)]) == "hyperparameters.beta")
        #expect(field("dpo", ["beta": .number(.infinity)]) == "hyperparameters.beta")
        #expect(field("dpo", ["beta": .number(0)]) == "hyperparameters.beta")
        #expect(field("inpo", ["beta": .number(-1)]) == "hyperparameters.beta")
        #expect(field("sppo", ["learning_rate": .number(0)]) == "hyperparameters.learning_rate")
        #expect(field("dpo", ["steps": .number(0)]) == "hyperparameters.steps")
        #expect(field("dpo", ["batch_size": .number(2.5)]) == "hyperparameters.batch_size")
        #expect(field("sppo", ["samples_per_prompt": .number(1)]) == "hyperparameters.samples_per_prompt")
        #expect(field("nash_md", ["mixture_coef": .number(1.5)]) == "hyperparameters.mixture_coef")
        #expect(field("dpo", ["loss_type": .string("kto")]) == "hyperparameters.loss_type")
        #expect(field("dpo", ["loss_type": .bool(true)]) == "hyperparameters.loss_type")
        #expect(field("dpo", ["loss_type": .string("hinge"), "label_smoothing": .number(0.1)]) == "hyperparameters.label_smoothing")
        #expect(field("dpo", ["loss_type": .string("robust"), "label_smoothing": .number(0.5)]) == "hyperparameters.label_smoothing")
        #expect(field("nash_mp", ["prox_solver": .string("exact")]) == "hyperparameters.prox_solver")
        #expect(field("inpo", ["eta": .number(20), "beta": .number(0.1)]) == "hyperparameters.eta")
        // SPPO has no KL-to-reference term, so it has no beta (its step is eta).
        #expect(field("sppo", ["beta": .number(0.1)]) == "hyperparameters.beta")
        #expect(field("dpo", ["loss_type": .string("ipo"), "ipo_normalization": .string("sum")]) == nil)
        // RPO's NLL weight goes with any DPO loss (as TRL's rpo_alpha), never below 0, and only with DPO.
        #expect(field("dpo", ["loss_type": .string("hinge"), "rpo_alpha": .number(1)]) == nil)
        #expect(field("dpo", ["rpo_alpha": .number(-0.1)]) == "hyperparameters.rpo_alpha")
        #expect(field("inpo", ["rpo_alpha": .number(0.1)]) == "hyperparameters.rpo_alpha")
    }

    @Test func nashMPWarnsAboveEtaTwo() throws {
        #expect(try TrainingSpec(algorithm: "nash_mp", hyperparameters: ["eta": .number(2)], seed: 0).warnings.isEmpty)
        let spec = try TrainingSpec(algorithm: "nash_mp", hyperparameters: ["eta": .number(3)], seed: 0)
        #expect(spec.warnings.count == 1)
        #expect(spec.warnings.first?.contains("eta") == true)
    }

    @Test func totalStepsCountBothNashMPPhases() throws {
        let hyper: [String: HyperValue] = ["iterations": .number(3), "steps_per_iteration": .number(5)]
        #expect(try TrainingSpec(algorithm: "nash_mp", hyperparameters: hyper, seed: 0).totalSteps == 30)
        #expect(try TrainingSpec(algorithm: "inpo", hyperparameters: hyper, seed: 0).totalSteps == 15)
        #expect(try TrainingSpec(algorithm: "dpo", hyperparameters: ["steps": .number(7)], seed: 0).totalSteps == 7)
    }

    @Test func dataMustFitTheAlgorithm() throws {
        let config = GPTConfig(layers: 1, dim: 16, heads: 2, context: 16)
        func field(_ algorithm: String, _ data: TrainingData) throws -> String? {
            let spec = try TrainingSpec(algorithm: algorithm, hyperparameters: [:], seed: 0)
            let policy = try GPT(config: config, seed: 1)
            do throws(TrainingSpecError) {
                _ = try TrainingRun(spec: spec, policy: policy, reference: nil, data: data)
                return nil
            } catch {
                return error.field
            }
        }
        let pairs = TrainingData.pairs([TextPair(prompt: "1+1=", chosen: "2", rejected: "3")])
        #expect(try field("sppo", pairs) == "task")
        #expect(try field("nash_md", .examples([SFTExample(prompt: [256], response: [257])])) == "task")
        #expect(try field("dpo", .examples([SFTExample(prompt: [256], response: [257])])) == "data")
        #expect(try field("sft", pairs) == "data")
        #expect(try field("dpo", .pairs([])) == "data")
        #expect(try field("dpo", pairs) == nil)
        #expect(try field("inpo", .task(StylesTask())) == nil)
    }

    @Test func registryFindsTasksByName() {
        #expect(TextTasks.named("arithmetic")?.isTransitive == true)
        #expect(TextTasks.named("styles")?.isTransitive == false)
        #expect(TextTasks.named("chess") == nil)
    }

    @Test func oraclesAreComplementary() {
        for task in TextTasks.all {
            let prompt = task.evalPrompts[0]
            let answers = task.candidateResponses(prompt: prompt) + ["??", ""]
            for a in answers {
                for b in answers {
                    let p = task.oracle.probability(prompt: prompt, a: a, b: b)
                    let q = task.oracle.probability(prompt: prompt, a: b, b: a)
                    #expect(abs(p + q - 1) < 1e-12, "\(task.name): \(a) vs \(b)")
                }
            }
        }
        let arithmetic = ArithmeticTask().oracle
        #expect(arithmetic.probability(prompt: "3+4=", a: "7", b: "8") > 0.8)
        #expect(arithmetic.probability(prompt: "3+4=", a: "x", b: "12") < 0.01)
        let styles = StylesTask().oracle
        // The cycle: loud ≻ calm, digits ≻ loud, calm ≻ digits.
        #expect(styles.probability(prompt: "cat:", a: "GO!", b: "ok") == 0.9)
        #expect(styles.probability(prompt: "cat:", a: "42", b: "GO!") == 0.9)
        #expect(styles.probability(prompt: "cat:", a: "ok", b: "42") == 0.9)
        #expect(styles.probability(prompt: "cat:", a: "...", b: "ok") < 0.5)
    }
}
