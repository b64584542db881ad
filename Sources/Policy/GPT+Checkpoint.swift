public import Tensor
import Foundation

extension GPT {
    /// Metadata keys of a PrefLab checkpoint.
    enum CheckpointKey {
        static let format = "format", config = "config", optimizer = "optimizer", rng = "rng"
        static let formatValue = "preflab.gpt.v1"
    }

    /// The model's weights as a safetensors file, named like a PyTorch state dict, with the config
    /// as JSON in `__metadata__["config"]`. With `optimizer`, its moments are stored as
    /// `optimizer.m.<name>` / `optimizer.v.<name>` and its hyperparameters and step in
    /// `__metadata__["optimizer"]`; with `rng`, the generator state goes to `__metadata__["rng"]`
    /// (read back by ``Safetensors/rng``). Trainers add their own keys (data position, ...) through
    /// `metadata`, so a resumed run can continue as if uninterrupted.
    public func checkpoint(optimizer: AdamW? = nil, rng: RNG? = nil, metadata extra: [String: String] = [:]) -> Safetensors {
        var file = Safetensors(metadata: extra)
        file.metadata[CheckpointKey.format] = CheckpointKey.formatValue
        if let rng { file.metadata[CheckpointKey.rng] = rng.words.map { String($0) }.joined(separator: ",") }
        file.metadata[CheckpointKey.config] = Self.json(config)
        for e in layout.entries {
            let values = Array(UnsafeBufferPointer(start: parameters.pointer + e.offset, count: e.count))
            file.tensors[e.name] = Tensor(shape: e.shape, data: values)
            if let optimizer {
                file.tensors["optimizer.m." + e.name] = Tensor(shape: e.shape, data: Array(optimizer.m[e.offset..<(e.offset + e.count)]))
                file.tensors["optimizer.v." + e.name] = Tensor(shape: e.shape, data: Array(optimizer.v[e.offset..<(e.offset + e.count)]))
            }
        }
        if let optimizer {
            file.metadata[CheckpointKey.optimizer] = Self.json(OptimizerState(
                learningRate: optimizer.learningRate, beta1: optimizer.beta1, beta2: optimizer.beta2,
                eps: optimizer.eps, weightDecay: optimizer.weightDecay, step: optimizer.step))
        }
        return file
    }

    /// The tensors a checkpoint of `config` holds (without optimiser state), name → shape; computed from the
    /// layout alone, without allocating a model. The caller bounds `config` first.
    public static func tensorShapes(_ config: GPTConfig) -> [String: [Int]] {
        Dictionary(uniqueKeysWithValues: ParameterLayout(config).entries.map { ($0.name, $0.shape) })
    }

    /// Loads a model (and its optimiser state, if the file has one) from a checkpoint. `config`
    /// is required when the file carries none in its metadata (e.g. one written by plain PyTorch).
    /// Rejects missing or mis-shaped tensors and non-finite weights.
    public static func load(_ file: Safetensors, config fallback: GPTConfig? = nil) throws(PolicyError) -> (model: GPT, optimizer: AdamW?) {
        var config = fallback
        if let text = file.metadata[CheckpointKey.config] {
            guard let c = try? JSONDecoder().decode(GPTConfig.self, from: Data(text.utf8)) else {
                throw PolicyError("checkpoint: config metadata is not a valid GPT config")
            }
            config = c
        }
        guard let config else { throw PolicyError("checkpoint: no config in metadata and none given") }
        let model = try GPT(uninitialized: config)
        for e in model.layout.entries {
            let values = try tensor(file, e.name, shape: e.shape)
            guard values.allSatisfy(\.isFinite) else { throw PolicyError("checkpoint: \(e.name) holds NaN or infinity") }
            (model.parameters.pointer + e.offset).update(from: values, count: e.count)
        }
        guard let text = file.metadata[CheckpointKey.optimizer] else { return (model, nil) }
        guard let s = try? JSONDecoder().decode(OptimizerState.self, from: Data(text.utf8)), s.step >= 0 else {
            throw PolicyError("checkpoint: optimizer metadata is malformed")
        }
        var opt = AdamW(parameterCount: model.parameterCount, learningRate: s.learningRate, beta1: s.beta1,
                        beta2: s.beta2, eps: s.eps, weightDecay: s.weightDecay)
        opt.step = s.step
        for e in model.layout.entries {
            opt.m.replaceSubrange(e.offset..<(e.offset + e.count), with: try tensor(file, "optimizer.m." + e.name, shape: e.shape))
            opt.v.replaceSubrange(e.offset..<(e.offset + e.count), with: try tensor(file, "optimizer.v." + e.name, shape: e.shape))
        }
        return (model, opt)
    }

    private static func tensor(_ file: Safetensors, _ name: String, shape: [Int]) throws(PolicyError) -> [Float] {
        guard let t = file.tensors[name] else { throw PolicyError("checkpoint: missing tensor \(name)") }
        guard t.shape == shape else { throw PolicyError("checkpoint: \(name) has shape \(t.shape), expected \(shape)") }
        return t.data
    }

    private static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain structs of numbers cannot fail; an empty object keeps the file readable if it did.
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// AdamW hyperparameters and step count as stored in checkpoint metadata.
struct OptimizerState: Codable {
    var learningRate: Float, beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    var step: Int
}

extension Safetensors {
    /// The generator state saved by ``GPT/checkpoint(optimizer:rng:metadata:)``, if any and valid.
    public var rng: RNG? {
        guard let text = metadata[GPT.CheckpointKey.rng] else { return nil }
        let words = text.split(separator: ",").compactMap { UInt64($0) }
        return words.count == 4 ? RNG(words: words) : nil
    }
}
