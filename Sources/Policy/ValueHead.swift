// B batch, T time, C channels; N = B*T.
public import Tensor

/// A scalar head on the final hidden state (after the last layer norm): v = h · w + b.
///
/// With a ``GPT`` trunk it makes a reward model (one value per sequence, read at its last token,
/// as TRL's reward models do) or a critic (one value per position, for GAE). The head owns its own
/// parameters and gradients; the trunk's gradients accumulate in the trunk.
public final class ValueHead {
    /// Width of the hidden state it reads.
    public let dim: Int
    /// Parameters: `dim` weights, then the bias.
    public let parameters: FloatBuffer
    /// Gradients, same layout.
    public let gradients: FloatBuffer
    private var lastBatch = 0, lastTime = 0
    private var lastIndex: [Int] = []
    /// The trunk and its ``GPT/passCount`` after our last forward: backward needs those activations.
    private weak var lastTrunk: GPT?
    private var lastPass = -1

    /// A head with small random weights (N(0, 1/dim)) and zero bias.
    public init(dim: Int, seed: UInt64) {
        self.dim = dim
        parameters = FloatBuffer(count: dim + 1)
        gradients = FloatBuffer(count: dim + 1)
        var rng = RNG(seed: seed)
        rng.fillNormal(parameters.pointer, count: dim, std: 1 / Float(dim).squareRoot())
    }

    /// Values of a batch through `trunk`: one per position (B,T) and one per sequence, read at its
    /// last non-padding token. Caches what ``backward(trunk:dPerToken:dPerSequence:)`` needs.
    public func values(trunk: GPT, batch: SequenceBatch) throws(PolicyError) -> (perToken: [Float], perSequence: [Float]) {
        guard trunk.config.dim == dim else { throw PolicyError("value head: width \(dim) ≠ trunk width \(trunk.config.dim)") }
        let b = batch.batch, t = batch.time, c = dim
        try trunk.forward(tokens: batch.tokens, b: b, t: t, rows: nil, withLogits: false)
        guard let head = trunk.head else { throw PolicyError("internal: head activations missing") }
        var perToken = [Float](repeating: 0, count: b * t)
        let w = parameters.pointer
        for r in 0..<(b * t) {
            let h = head.lnf.pointer + r * c
            var s = w[c]
            for i in 0..<c { s += h[i] * w[i] }
            perToken[r] = s
        }
        lastBatch = b
        lastTime = t
        lastIndex = (0..<b).map { $0 * t + batch.lengths[$0] - 1 }
        lastTrunk = trunk
        lastPass = trunk.passCount
        return (perToken, lastIndex.map { perToken[$0] })
    }

    /// Backward of the last ``values(trunk:batch:)``: accumulates the head's ``gradients`` and the
    /// trunk's gradients from d(loss)/d(value) per position (B,T; optional) and per sequence (B).
    public func backward(trunk: GPT, dPerToken: [Float]?, dPerSequence: [Float]?) {
        guard let head = trunk.head, lastTrunk === trunk, trunk.passCount == lastPass else {
            preconditionFailure("ValueHead.backward must follow values(trunk:batch:) on the same trunk")
        }
        let n = lastBatch * lastTime, c = dim
        var dv = dPerToken ?? [Float](repeating: 0, count: n)
        precondition(dv.count == n && (dPerSequence?.count ?? lastBatch) == lastBatch, "ValueHead.backward: gradient sizes")
        if let dPerSequence { for (s, idx) in lastIndex.enumerated() { dv[idx] += dPerSequence[s] } }
        let dlnf = FloatBuffer(count: n * c)
        let w = parameters.pointer, g = gradients.pointer
        for r in 0..<n where dv[r] != 0 {
            let h = head.lnf.pointer + r * c, dh = dlnf.pointer + r * c
            for i in 0..<c {
                g[i] += dv[r] * h[i]
                dh[i] = dv[r] * w[i]
            }
            g[c] += dv[r]
        }
        trunk.backward(dlogits: nil, dlnf: dlnf.pointer)
    }
}

extension ValueHead {
    /// Checkpoint tensor names of the head, beside the trunk's in one safetensors file.
    public static let weightName = "value_head.weight", biasName = "value_head.bias"

    /// Adds the head's tensors to a trunk's checkpoint.
    public func store(in file: inout Safetensors) {
        let values = parameters.array
        file.tensors[Self.weightName] = Tensor(shape: [dim], data: Array(values[0..<dim]))
        file.tensors[Self.biasName] = Tensor(shape: [1], data: [values[dim]])
    }

    /// The head stored in `file` for a trunk of width `dim`: finite `value_head.weight` [dim] and `value_head.bias` [1].
    public static func load(from file: Safetensors, dim: Int) throws(PolicyError) -> ValueHead {
        guard let weight = file.tensors[weightName], weight.shape == [dim], let bias = file.tensors[biasName],
              bias.shape == [1], (weight.data + bias.data).allSatisfy(\.isFinite)
        else {
            throw PolicyError("the checkpoint needs finite \(weightName) [\(dim)] and \(biasName) [1]")
        }
        let head = ValueHead(dim: dim, seed: 0)
        head.parameters.pointer.update(from: weight.data + bias.data, count: dim + 1)
        return head
    }
}
