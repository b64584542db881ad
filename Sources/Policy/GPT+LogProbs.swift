// B batch, T time, C channels, V vocab; R = number of scored tokens in the batch (or replica slice).
import Tensor

extension GPT {
    /// Per-sequence log-probabilities of the batch's scored (response) tokens, prompt and padding
    /// masked. Runs the model on tokens[:, :T−1] and evaluates the output head only at the R rows
    /// that predict a scored token, which skips the vocabulary projection for prompt positions.
    /// Batches of several sequences are split over cores (one ``Replica`` each). Caches what
    /// ``backwardLogProbs(dSum:dMean:)`` needs.
    public func sequenceLogProbs(_ batch: SequenceBatch) throws(PolicyError) -> SequenceLogProbs {
        guard batch.time - 1 <= config.context else {
            throw PolicyError("tokens: length \(batch.time - 1) exceeds context \(config.context)")
        }
        guard batch.tokens.allSatisfy({ $0 >= 0 && Int($0) < config.vocab }) else {
            throw PolicyError("tokens: id outside 0..<\(config.vocab)")
        }
        passCount += 1
        logProbsPass = passCount
        // a thread hop costs tens of microseconds (milliseconds on a loaded machine): only worth it
        // when each replica gets real work
        let work = batch.batch * batch.time * layout.count
        let parts = Parallel.isSerial || work < dataParallelMinimumWork ? 1 : min(Parallel.workers, batch.batch)
        while extraReplicas.count < parts - 1 { extraReplicas.append(Replica(ownGradients: FloatBuffer(count: layout.count))) }
        let replicas = [primary] + extraReplicas.prefix(parts - 1)
        var slices = [(logp: [Float], tokens: Int)](repeating: ([], 0), count: parts)
        lastSplit = (0..<parts).map { i in
            let lo = batch.batch * i / parts, hi = batch.batch * (i + 1) / parts
            return (lo, hi - lo, 0)
        }
        if parts == 1 {
            slices[0] = score(batch, rows: 0..<batch.batch, in: primary)
        } else {
            let split = lastSplit
            slices.withUnsafeMutableBufferPointer { out in
                // each replica writes only its own slot
                Parallel.forEach(parts, costPerItem: 1 << 20) { i in
                    let s = split[i]
                    out[i] = Parallel.serial { score(batch, rows: s.row..<(s.row + s.rows), in: replicas[i]) }
                }
            }
        }
        for i in 0..<parts { lastSplit[i].tokens = slices[i].tokens }
        let perToken = slices.flatMap(\.logp)
        var sum = [Double](repeating: 0, count: batch.batch), count = [Int](repeating: 0, count: batch.batch)
        var k = 0
        for row in 0..<batch.batch {
            for i in 1..<batch.time where batch.scored[row * batch.time + i] != 0 {
                sum[row] += Double(perToken[k])
                count[row] += 1
                k += 1
            }
        }
        lastCounts = count
        return SequenceLogProbs(
            sum: sum.map { Float($0) },
            mean: zip(sum, count).map { $1 > 0 ? Float($0 / Double($1)) : 0 },
            count: count,
            perToken: perToken)
    }

    /// Forward and gathered log-probs of `rows` of the batch, in `replica`.
    private func score(_ batch: SequenceBatch, rows: Range<Int>, in replica: Replica) -> (logp: [Float], tokens: Int) {
        let b = rows.count, t = batch.time - 1, v = config.vocab
        var input = [Int32](repeating: 0, count: b * t)
        var headRows: [Int32] = [], targets: [Int32] = []
        for (local, row) in rows.enumerated() {
            for i in 0..<t {
                input[local * t + i] = batch.tokens[row * batch.time + i]
                if batch.scored[row * batch.time + i + 1] != 0 {
                    headRows.append(Int32(local * t + i))
                    targets.append(batch.tokens[row * batch.time + i + 1])
                }
            }
        }
        forward(tokens: input, b: b, t: t, rows: headRows, withLogits: true, in: replica)
        let r = headRows.count
        let scratch = replica.scoring(rows: r, vocab: v, dim: config.dim)
        scratch.targets = targets
        guard let logits = replica.head?.logits else { preconditionFailure("forward left no logits") }
        targets.withUnsafeBufferPointer { tb in
            guard let tp = tb.baseAddress else { return }
            LogSoftmaxGather.forward(logp: scratch.logp.pointer, lse: scratch.lse.pointer, logits: logits.pointer,
                                     targets: tp, n: r, v: v)
        }
        return (Array(UnsafeBufferPointer(start: scratch.logp.pointer, count: r)), r)
    }

    /// Backward from d(loss)/d(log-prob) per sequence after ``sequenceLogProbs(_:)``: `dSum[b]`
    /// is the gradient w.r.t. the summed log-prob, `dMean[b]` (optional) w.r.t. the mean.
    /// Accumulates into ``gradients``.
    public func backwardLogProbs(dSum: [Float], dMean: [Float]? = nil) {
        let b = lastCounts.count
        precondition(logProbsPass == passCount, "backwardLogProbs must directly follow sequenceLogProbs on this model")
        precondition(dSum.count == b && (dMean?.count ?? b) == b, "backwardLogProbs: one gradient per sequence expected")
        var perToken: [Float] = []
        perToken.reserveCapacity(lastCounts.reduce(0, +))
        for row in 0..<b {
            var g = dSum[row]
            if let dMean, lastCounts[row] > 0 { g += dMean[row] / Float(lastCounts[row]) }
            perToken.append(contentsOf: repeatElement(g, count: lastCounts[row]))
        }
        backwardLogProbs(perToken: perToken)
    }

    /// Backward from d(loss)/d(log π) of every scored token (same order as
    /// ``SequenceLogProbs/perToken``). Accumulates into ``gradients``.
    public func backwardLogProbs(perToken dlogp: [Float]) {
        let split = lastSplit
        precondition(logProbsPass == passCount, "backwardLogProbs must directly follow sequenceLogProbs on this model")
        precondition(dlogp.count == split.reduce(0) { $0 + $1.tokens }, "backwardLogProbs: one gradient per scored token expected")
        let replicas = [primary] + extraReplicas.prefix(split.count - 1)
        var offsets = [0]
        for s in split { offsets.append((offsets.last ?? 0) + s.tokens) }
        if split.count == 1 {
            backwardScored(Array(dlogp), in: primary)
            return
        }
        Parallel.forEach(split.count, costPerItem: 1 << 20) { i in
            Parallel.serial {
                replicas[i].ownGradients?.zero()
                backwardScored(Array(dlogp[offsets[i]..<offsets[i + 1]]), in: replicas[i])
            }
        }
        // sum private gradients into the model's, replica by replica (fixed order per element)
        let g = gradients.pointer, count = layout.count
        let others = replicas.dropFirst().compactMap { $0.ownGradients?.pointer }
        Parallel.chunks(count, costPerItem: others.count) { i0, i1 in
            for p in others { for i in i0..<i1 { g[i] += p[i] } }
        }
    }

    private func backwardScored(_ dlogp: [Float], in replica: Replica) {
        guard let scratch = replica.scoring, let head = replica.head, let logits = head.logits else {
            preconditionFailure("backwardLogProbs before sequenceLogProbs")
        }
        let r = scratch.targets.count, v = config.vocab
        let dlnf = scratch.dlnf
        dlnf.zero()
        dlogp.withUnsafeBufferPointer { gb in
            scratch.targets.withUnsafeBufferPointer { tb in
                guard let gp = gb.baseAddress, let tp = tb.baseAddress else { return }
                LogSoftmaxGather.backward(dlogits: scratch.dlogits.pointer, dlogp: gp, logits: logits.pointer,
                                          lse: scratch.lse.pointer, targets: tp, n: r, v: v, accumulate: false)
            }
        }
        backward(dlogits: scratch.dlogits.pointer, dlnf: dlnf.pointer, in: replica)
    }
}

/// Buffers for the log-prob head: log-probs, log-sum-exps and logit gradients of the scored rows.
final class ScoringScratch {
    let logp: FloatBuffer, lse: FloatBuffer, dlogits: FloatBuffer, dlnf: FloatBuffer
    var targets: [Int32] = []

    init(rows: Int, vocab: Int, dim: Int) {
        logp = FloatBuffer(count: rows)
        lse = FloatBuffer(count: rows)
        dlogits = FloatBuffer(count: rows * vocab)
        dlnf = FloatBuffer(count: rows * dim)
    }
}
