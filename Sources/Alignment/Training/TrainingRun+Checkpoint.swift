public import Policy
import Tensor

/// Checkpoint metadata keys of a training run (next to the GPT's own `format`, `config`, `optimizer`).
enum TrainingKey {
    static let algorithm = "preflab.training.algorithm", step = "preflab.training.step"
    static let totalSteps = "preflab.training.total_steps", seed = "preflab.training.seed"
    static let iteration = "preflab.training.iteration", phase = "preflab.training.phase"
    static let anchorPrefix = "anchor.", halfPrefix = "half."
}

extension TrainingRun {
    /// The full state after ``completed`` steps: weights, AdamW moments and step, run position, frozen
    /// iterates; self-describing through its metadata (algorithm, step, seed).
    public func checkpoint() -> Safetensors {
        let (iteration, phase, _) = position(max(completed, 1))
        var file = policy.checkpoint(optimizer: optimizer, rng: RNG(seed: Seeds.derive(spec.seed, Seeds.batch, completed + 1)),
                                     metadata: [
                                         TrainingKey.algorithm: spec.algorithm.rawValue,
                                         TrainingKey.step: String(completed),
                                         TrainingKey.totalSteps: String(spec.totalSteps),
                                         TrainingKey.seed: String(spec.seed),
                                         TrainingKey.iteration: String(iteration),
                                         TrainingKey.phase: String(phase),
                                     ])
        for (prefix, model) in [(TrainingKey.anchorPrefix, anchor), (TrainingKey.halfPrefix, half)] {
            guard let model else { continue }
            for (name, tensor) in model.checkpoint().tensors { file.tensors[prefix + name] = tensor }
        }
        critic?.store(in: &file)
        return file
    }

    /// Restores the state saved by ``checkpoint()``; rejects files of another algorithm, seed or shape.
    func restore(_ file: Safetensors) throws(TrainingSpecError) {
        guard let algorithm = file.metadata[TrainingKey.algorithm] else {
            throw TrainingSpecError(field: "resume", message: "not a training checkpoint (no algorithm in its metadata)")
        }
        guard algorithm == spec.algorithm.rawValue else {
            throw TrainingSpecError(field: "resume", message: "checkpoint is from a \(algorithm) run, not \(spec.algorithm.rawValue)")
        }
        guard let text = file.metadata[TrainingKey.step], let step = Int(text), step >= 0, step <= spec.totalSteps else {
            throw TrainingSpecError(field: "resume", message: "checkpoint step is missing or beyond this run's \(spec.totalSteps) steps")
        }
        guard file.metadata[TrainingKey.seed] == String(spec.seed) else {
            throw TrainingSpecError(field: "seed", message: "checkpoint was written by a run with another seed")
        }
        do throws(PolicyError) {
            let (model, opt) = try GPT.load(file)
            guard model.config == policy.config, let opt, opt.m.count == policy.parameterCount else {
                throw PolicyError("checkpoint architecture or optimiser state does not match the policy")
            }
            policy.parameters.pointer.update(from: model.parameters.pointer, count: policy.parameterCount)
            optimizer.m = opt.m
            optimizer.v = opt.v
            optimizer.step = opt.step
            anchor = try frozen(file, prefix: TrainingKey.anchorPrefix)
            half = try frozen(file, prefix: TrainingKey.halfPrefix)
            try critic?.restore(from: file)
        } catch {
            throw TrainingSpecError(field: "resume", message: error.message)
        }
        completed = step
    }

    /// A frozen model from the tensors under `prefix`, or nil when the file has none.
    private func frozen(_ file: Safetensors, prefix: String) throws(PolicyError) -> GPT? {
        var sub = Safetensors(metadata: file.metadata.filter { $0.key == "config" })
        for (name, tensor) in file.tensors where name.hasPrefix(prefix) {
            sub.tensors[String(name.dropFirst(prefix.count))] = tensor
        }
        guard !sub.tensors.isEmpty else { return nil }
        let model = try GPT.load(sub, config: policy.config).model
        model.requiresGradients = false
        return model
    }

    /// (iteration, phase, step within phase) of global step `s` (1-based); phase is Nash-MP's half (0) or
    /// full (1) prox step, 0 for everything else. Offline runs are one phase.
    func position(_ s: Int) -> (iteration: Int, phase: Int, inner: Int) {
        guard spec.algorithm.isOnline else { return (0, 0, s - 1) }
        let per = spec.stepsPerPhase
        let phaseIndex = (s - 1) / per
        if spec.algorithm == .nashMP { return (phaseIndex / 2, phaseIndex % 2, (s - 1) % per) }
        return (phaseIndex, 0, (s - 1) % per)
    }
}
