import Alignment
import Foundation
public import Policy
import Tensor

/// A loaded model: the GPT trunk, and for reward models, preference models and critics the scalar
/// ``ValueHead`` on its final hidden state, in one safetensors file (the head's format is
/// `ValueHead.store(in:)`/`ValueHead.load(from:dim:)`), with the checkpoint's metadata
/// (`reward_mean`, `reward_std`, `pair_scoring` for comparison models).
///
/// Lives in Service rather than App so a `preflab worker` can load and score models without the HTTP layer.
public final class LoadedModel {
    public let trunk: GPT
    public let head: ValueHead?
    public let metadata: [String: String]
    /// The checkpoint's own tokenizer (``StoredTokenizer``), else the byte tokenizer.
    public let tokenizer: any Tokenizer

    public init(trunk: GPT, head: ValueHead?, metadata: [String: String] = [:], tokenizer: any Tokenizer = ByteTokenizer()) {
        self.trunk = trunk
        self.head = head
        self.metadata = metadata
        self.tokenizer = tokenizer
    }

    /// Kinds whose checkpoint carries a value head.
    public static let headKinds: Set<String> = ["reward_model", "preference_model", "critic"]

    /// A freshly initialised model of `kind`.
    public static func initialised(kind: String, config: GPTConfig, seed: UInt64) throws -> LoadedModel {
        let trunk = try GPT(config: config, seed: seed)
        let head = headKinds.contains(kind) ? ValueHead(dim: config.dim, seed: seed &+ 0x9E37_79B9) : nil
        return LoadedModel(trunk: trunk, head: head)
    }

    /// Reads a checkpoint; a kind with a head must carry a finite head of the trunk's width.
    public static func load(_ file: Safetensors, kind: String) throws -> LoadedModel {
        let trunk = try GPT.load(file).model
        let tokenizer = try StoredTokenizer.tokenizer(file.metadata)
        guard tokenizer.vocabSize <= trunk.config.vocab else {
            throw PolicyError("checkpoint: the tokenizer has \(tokenizer.vocabSize) ids, the model's vocabulary \(trunk.config.vocab)")
        }
        guard headKinds.contains(kind) else { return LoadedModel(trunk: trunk, head: nil, metadata: file.metadata, tokenizer: tokenizer) }
        do {
            return LoadedModel(trunk: trunk, head: try ValueHead.load(from: file, dim: trunk.config.dim), metadata: file.metadata,
                               tokenizer: tokenizer)
        } catch {
            throw PolicyError("a \(kind) checkpoint: \(error.message)")
        }
    }

    /// Refuses a checkpoint header whose tensors are not exactly those of `config` (and, for a kind with a head,
    /// its head), by name and shape: checked before decoding, so nothing is allocated for tensors the model would not use.
    public static func checkTensors(_ header: Safetensors.Header, config: GPTConfig, kind: String) throws(PolicyError) {
        var expected = GPT.tensorShapes(config)
        if headKinds.contains(kind) {
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
    public func checkpoint(kind: String) -> Safetensors {
        var file = trunk.checkpoint(metadata: metadata.filter { [StoredTokenizer.jsonKey, StoredTokenizer.specialsKey].contains($0.key) })
        file.metadata["kind"] = kind
        head?.store(in: &file)
        return file
    }
}
