import Foundation
import Policy
import Tensor

/// A loaded model: the GPT trunk, and for reward models and critics the scalar
/// head on its final hidden state. Stored in one safetensors file, the head as
/// `value_head.weight` (dim) and `value_head.bias` (1).
final class LoadedModel {
    let trunk: GPT
    let head: ValueHead?

    init(trunk: GPT, head: ValueHead?) {
        self.trunk = trunk
        self.head = head
    }

    /// Kinds whose checkpoint carries a value head.
    static let valueKinds: Set<String> = ["reward_model", "critic"]

    /// A freshly initialised model of `kind`.
    static func initialised(kind: String, config: GPTConfig, seed: UInt64) throws -> LoadedModel {
        let trunk = try GPT(config: config, seed: seed)
        let head = valueKinds.contains(kind) ? ValueHead(dim: config.dim, seed: seed &+ 0x9E37_79B9) : nil
        return LoadedModel(trunk: trunk, head: head)
    }

    /// Reads a checkpoint; a value kind must carry a finite head of the trunk's width.
    static func load(_ file: Safetensors, kind: String) throws -> LoadedModel {
        let trunk = try GPT.load(file).model
        guard valueKinds.contains(kind) else { return LoadedModel(trunk: trunk, head: nil) }
        let dim = trunk.config.dim
        guard let weight = file.tensors["value_head.weight"], weight.shape == [dim], let bias = file.tensors["value_head.bias"],
            bias.shape == [1], (weight.data + bias.data).allSatisfy(\.isFinite)
        else {
            throw PolicyError("a \(kind) checkpoint needs finite value_head.weight [\(dim)] and value_head.bias [1]")
        }
        let head = ValueHead(dim: dim, seed: 0)
        head.parameters.pointer.update(from: weight.data + bias.data, count: dim + 1)
        return LoadedModel(trunk: trunk, head: head)
    }

    /// Refuses a checkpoint header whose tensors are not exactly those of `config` (and, for a value kind, its
    /// head), by name and shape: checked before decoding, so nothing is allocated for tensors the model would not use.
    static func checkTensors(_ header: Safetensors.Header, config: GPTConfig, kind: String) throws(PolicyError) {
        var expected = GPT.tensorShapes(config)
        if valueKinds.contains(kind) {
            expected[ValueHead.weightName] = [config.dim]
            expected[ValueHead.biasName] = [1]
        }
        let found = header.shapes
        if let missing = expected.keys.sorted().first(where: { found[$0] == nil }) {
            throw PolicyError("checkpoint: missing tensor \(missing)")
        }
        if let extra = found.keys.sorted().first(where: { expected[$0] == nil }) {
            throw PolicyError("checkpoint: tensor \(extra) is not part of the declared architecture")
        }
        if let wrong = expected.keys.sorted().first(where: { found[$0] != expected[$0] }) {
            throw PolicyError("checkpoint: \(wrong) has shape \(found[wrong] ?? []), expected \(expected[wrong] ?? [])")
        }
    }

    /// The checkpoint: the trunk's tensors and config, the head's tensors, and the kind.
    func checkpoint(kind: String) -> Safetensors {
        var file = trunk.checkpoint(metadata: ["kind": kind])
        if let head {
            let values = head.parameters.array
            file.tensors["value_head.weight"] = Tensor(shape: [head.dim], data: Array(values[0..<head.dim]))
            file.tensors["value_head.bias"] = Tensor(shape: [1], data: [values[head.dim]])
        }
        return file
    }
}
