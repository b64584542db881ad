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
