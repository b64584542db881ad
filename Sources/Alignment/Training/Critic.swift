import Policy
import Tensor

/// PPO's value model: its own GPT trunk and a per-position ``ValueHead``, trained with the policy by its own
/// AdamW states (trunk and head), each clipped to `max_grad_norm` (docs/ALGORITHMS.md §12.1). Initialised, as
/// TRL's PPO scripts do, from the reward model when the judge is one (`value_model` = the reward model's
/// weights), else from the starting policy's weights with a fresh head.
///
/// The value of response token t is read at the position before it (the state from which y_t is drawn), as
/// TRL's `full_value[:, context_length − 1 : −1]`.
final class Critic {
    let trunk: GPT
    let head: ValueHead
    var trunkOptimizer: AdamW
    var headOptimizer: AdamW
    /// Positions (row·T + t) of the response tokens in the last forward, in token order.
    private var positions: [Int] = []
    private var cells = 0

    init(trunk: GPT, head: ValueHead, learningRate: Double, weightDecay: Double) throws(TrainingSpecError) {
        guard head.dim == trunk.config.dim else {
            throw TrainingSpecError(field: "judge", message: "value head width \(head.dim) ≠ trunk width \(trunk.config.dim)")
        }
        self.trunk = trunk
        self.head = head
        trunk.requiresGradients = true
        trunkOptimizer = AdamW(parameterCount: trunk.parameterCount, learningRate: Float(learningRate), weightDecay: Float(weightDecay))
        headOptimizer = AdamW(parameterCount: head.dim + 1, learningRate: Float(learningRate), weightDecay: 0)
    }

    /// V_t for every response token, per response; caches what ``backward(_:)`` needs.
    func values(prompts: [String], responses: [[Int32]], tokenizer tok: any Tokenizer) throws(PolicyError) -> [[Double]] {
        let promptTokens = prompts.map { tok.encode($0, bos: true) }
        let batch = try tok.batch(prompts: promptTokens, responses: responses)
        let perToken = try head.values(trunk: trunk, batch: batch).perToken
        positions = []
        cells = perToken.count
        var out: [[Double]] = []
        for (row, response) in responses.enumerated() {
            let start = row * batch.time + promptTokens[row].count - 1
            let index = (0..<response.count).map { start + $0 }
            positions += index
            out.append(index.map { Double(perToken[$0]) })
        }
        return out
    }

    /// Backward of the last ``values(prompts:responses:)`` and one AdamW step; returns the pre-clip norm of
    /// trunk and head together.
    func update(gradients: [[Double]], maxGradNorm: Double) -> Double {
        var d = [Float](repeating: 0, count: cells)
        for (position, g) in zip(positions, gradients.joined()) { d[position] += Float(g) }
        trunk.zeroGradients()
        head.gradients.zero()
        head.backward(trunk: trunk, dPerToken: d, dPerSequence: nil)
        let bound = Float(maxGradNorm)
        let norm = GradientClipping.clip(trunk.gradients.pointer, count: trunk.parameterCount, maxNorm: bound)
        let headNorm = GradientClipping.clip(head.gradients.pointer, count: head.dim + 1, maxNorm: bound)
        trunkOptimizer.update(params: trunk.parameters.pointer, grads: trunk.gradients.pointer)
        headOptimizer.update(params: head.parameters.pointer, grads: head.gradients.pointer)
        return Double((norm * norm + headNorm * headNorm).squareRoot())
    }
}

/// Checkpoint names of the critic inside a training checkpoint: the trunk's own checkpoint (weights, AdamW
/// moments) under `critic.`, its config and AdamW metadata under `preflab.critic.*`, the head and its moments.
enum CriticKey {
    static let prefix = "critic."
    static let config = "preflab.critic.config", optimizer = "preflab.critic.optimizer", headStep = "preflab.critic.head_step"
    static let headM = "critic.head_optimizer.m", headV = "critic.head_optimizer.v"
}

extension Critic {
    /// Adds the critic's full state to `file`.
    func store(in file: inout Safetensors) {
        let own = trunk.checkpoint(optimizer: trunkOptimizer)
        for (name, tensor) in own.tensors { file.tensors[CriticKey.prefix + name] = tensor }
        file.metadata[CriticKey.config] = own.metadata["config"]
        file.metadata[CriticKey.optimizer] = own.metadata["optimizer"]
        var headFile = Safetensors(metadata: [:])
        head.store(in: &headFile)
        for (name, tensor) in headFile.tensors { file.tensors[CriticKey.prefix + name] = tensor }
        file.tensors[CriticKey.headM] = Tensor(shape: [head.dim + 1], data: headOptimizer.m)
        file.tensors[CriticKey.headV] = Tensor(shape: [head.dim + 1], data: headOptimizer.v)
        file.metadata[CriticKey.headStep] = String(headOptimizer.step)
    }

    /// Restores the state written by ``store(in:)``; the architectures must match.
    func restore(from file: Safetensors) throws(PolicyError) {
        var own = Safetensors(metadata: [:])
        own.metadata["config"] = file.metadata[CriticKey.config]
        own.metadata["optimizer"] = file.metadata[CriticKey.optimizer]
        for (name, tensor) in file.tensors where name.hasPrefix(CriticKey.prefix) {
            own.tensors[String(name.dropFirst(CriticKey.prefix.count))] = tensor
        }
        let (model, opt) = try GPT.load(own)
        let loadedHead = try ValueHead.load(from: own, dim: head.dim)
        guard model.config == trunk.config, let opt, let m = file.tensors[CriticKey.headM], let v = file.tensors[CriticKey.headV],
              m.data.count == head.dim + 1, v.data.count == head.dim + 1,
              let text = file.metadata[CriticKey.headStep], let headStep = Int(text) else {
            throw PolicyError("checkpoint lacks the critic of a PPO run, or it does not match")
        }
        trunk.parameters.pointer.update(from: model.parameters.pointer, count: trunk.parameterCount)
        head.parameters.pointer.update(from: loadedHead.parameters.pointer, count: head.dim + 1)
        trunkOptimizer.m = opt.m
        trunkOptimizer.v = opt.v
        trunkOptimizer.step = opt.step
        headOptimizer.m = m.data
        headOptimizer.v = v.data
        headOptimizer.step = headStep
    }
}
