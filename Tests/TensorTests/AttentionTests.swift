import Foundation
import Tensor
import Testing

@Suite struct AttentionTests {
    let b = 2, t = 5, c = 8, nh = 2

    /// Plain Double implementation of causal multi-head attention.
    func reference(_ qkv: [Float]) -> [Double] {
        let hs = c / nh
        var out = [Double](repeating: 0, count: b * t * c)
        for bi in 0..<b {
            for h in 0..<nh {
                for i in 0..<t {
                    let q = (bi * t + i) * 3 * c + h * hs
                    var s = [Double](repeating: 0, count: i + 1)
                    for j in 0...i {
                        let k = (bi * t + j) * 3 * c + c + h * hs
                        for d in 0..<hs { s[j] += Double(qkv[q + d]) * Double(qkv[k + d]) }
                        s[j] /= Double(hs).squareRoot()
                    }
                    let mx = s.max() ?? 0
                    let e = s.map { exp($0 - mx) }
                    let z = e.reduce(0, +)
                    for j in 0...i {
                        let v = (bi * t + j) * 3 * c + 2 * c + h * hs
                        for d in 0..<hs { out[(bi * t + i) * c + h * hs + d] += e[j] / z * Double(qkv[v + d]) }
                    }
                }
            }
        }
        return out
    }

    @Test func forwardMatchesDoubleReference() {
        let qkv = randomArray(b * t * 3 * c, seed: 1, scale: 2)
        let out = FloatBuffer(count: b * t * c), att = FloatBuffer(count: b * nh * t * t)
        let input = FloatBuffer(qkv)
        defer { withExtendedLifetime(input) {} }  // keep the allocation alive past the raw pointer
        Attention.forward(out: out.pointer, att: att.pointer, qkv: input.pointer, b: b, t: t, c: c, nh: nh)
        let ref = reference(qkv)
        for i in 0..<ref.count { #expect(abs(Double(out[i]) - ref[i]) < 1e-5) }
        // strictly causal: nothing above the diagonal
        #expect(att[0 * t + 1] == 0 && att[2 * t + 4] == 0)
    }

    @Test func backwardMatchesFiniteDifferences() {
        let qkv = FloatBuffer(randomArray(b * t * 3 * c, seed: 2, scale: 2))
        let out = FloatBuffer(count: b * t * c), att = FloatBuffer(count: b * nh * t * t)
        let r = randomArray(b * t * c, seed: 3)
        let dr = FloatBuffer(r)  // named so it outlives the raw pointers taken from it
        defer { withExtendedLifetime(dr) {} }
        Attention.forward(out: out.pointer, att: att.pointer, qkv: qkv.pointer, b: b, t: t, c: c, nh: nh)
        let dqkv = FloatBuffer([Float](repeating: 5, count: b * t * 3 * c))  // overwritten, not accumulated
        Attention.backward(dqkv: dqkv.pointer, dout: dr.pointer, qkv: qkv.pointer, att: att.pointer,
                           b: b, t: t, c: c, nh: nh)
        expectGradient("dqkv", x: qkv, analytic: dqkv.array) {
            Attention.forward(out: out.pointer, att: att.pointer, qkv: qkv.pointer, b: b, t: t, c: c, nh: nh)
            return dot(out, r)
        }
    }

    @Test func largeProblemIsBitIdenticalAcrossRuns() {
        // Big enough to be spread over workers; scheduling must not change any bit.
        let b = 4, t = 64, c = 64, nh = 4
        let qkv = FloatBuffer(randomArray(b * t * 3 * c, seed: 4))
        let o1 = FloatBuffer(count: b * t * c), o2 = FloatBuffer(count: b * t * c)
        let att = FloatBuffer(count: b * nh * t * t)
        Attention.forward(out: o1.pointer, att: att.pointer, qkv: qkv.pointer, b: b, t: t, c: c, nh: nh)
        Attention.forward(out: o2.pointer, att: att.pointer, qkv: qkv.pointer, b: b, t: t, c: c, nh: nh)
        #expect(o1.array == o2.array)
    }
}

extension AttentionTests {
    /// Small query blocks exercise the block-causal tiling (several blocks, a ragged last one).
    @Test(arguments: [1, 2, 3])
    func blockedTilingMatchesUnblocked(blockRows: Int) {
        let qkv = FloatBuffer(randomArray(b * t * 3 * c, seed: 5, scale: 2))
        let full = FloatBuffer(count: b * t * c), tiled = FloatBuffer(count: b * t * c)
        let att = FloatBuffer(count: b * nh * t * t), att2 = FloatBuffer(count: b * nh * t * t)
        Attention.forward(out: full.pointer, att: att.pointer, qkv: qkv.pointer, b: b, t: t, c: c, nh: nh, blockRows: t)
        Attention.forward(out: tiled.pointer, att: att2.pointer, qkv: qkv.pointer, b: b, t: t, c: c, nh: nh, blockRows: blockRows)
        for i in 0..<full.count { #expect(abs(full[i] - tiled[i]) < 1e-5) }
        let dout = FloatBuffer(randomArray(b * t * c, seed: 6))
        let g1 = FloatBuffer(count: b * t * 3 * c), g2 = FloatBuffer(count: b * t * 3 * c)
        Attention.backward(dqkv: g1.pointer, dout: dout.pointer, qkv: qkv.pointer, att: att.pointer, b: b, t: t, c: c, nh: nh, blockRows: t)
        Attention.backward(dqkv: g2.pointer, dout: dout.pointer, qkv: qkv.pointer, att: att2.pointer, b: b, t: t, c: c, nh: nh,
                           blockRows: blockRows)
        for i in 0..<g1.count { #expect(abs(g1[i] - g2[i]) < 1e-5) }
    }

    @Test func blockedBackwardMatchesFiniteDifferences() {
        let qkv = FloatBuffer(randomArray(b * t * 3 * c, seed: 7, scale: 2))
        let out = FloatBuffer(count: b * t * c), att = FloatBuffer(count: b * nh * t * t)
        let r = randomArray(b * t * c, seed: 8)
        let dr = FloatBuffer(r)
        defer { withExtendedLifetime(dr) {} }
        Attention.forward(out: out.pointer, att: att.pointer, qkv: qkv.pointer, b: b, t: t, c: c, nh: nh, blockRows: 2)
        let dqkv = FloatBuffer(count: b * t * 3 * c)
        Attention.backward(dqkv: dqkv.pointer, dout: dr.pointer, qkv: qkv.pointer, att: att.pointer, b: b, t: t, c: c, nh: nh,
                           blockRows: 2)
        expectGradient("dqkv", x: qkv, analytic: dqkv.array) {
            Attention.forward(out: out.pointer, att: att.pointer, qkv: qkv.pointer, b: b, t: t, c: c, nh: nh, blockRows: 2)
            return dot(out, r)
        }
    }
}
