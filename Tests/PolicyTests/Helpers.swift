import Policy
import Tensor
import Testing

/// A tiny model with weights spread wider than GPT-2's 0.02 init, so that finite differences see
/// the non-linear parts (softmax, GELU, layer norm) and not just a near-linear map.
func tinyModel(layers: Int = 2, dim: Int = 8, heads: Int = 2, context: Int = 8, vocab: Int = 11,
               seed: UInt64 = 1, scale: Float = 0.3) throws -> GPT {
    let model = try GPT(config: GPTConfig(layers: layers, dim: dim, heads: heads, context: context, vocab: vocab), seed: seed)
    var rng = RNG(seed: seed &+ 99)
    for i in 0..<model.parameterCount { model.parameters[i] += rng.normal() * scale }
    return model
}

/// Central-difference check of every parameter gradient against `loss`, perturbing in place.
func expectParameterGradients(
    _ model: GPT, eps: Float = 1e-2, atol: Double = 5e-3, rtol: Double = 2e-2, loss: () throws -> Double,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let analytic = model.gradients.array
    var checked = 0
    for e in model.layout.entries {
        for j in 0..<e.count {
            let i = e.offset + j
            let saved = model.parameters[i]
            model.parameters[i] = saved + eps
            let up = try loss()
            model.parameters[i] = saved - eps
            let down = try loss()
            model.parameters[i] = saved
            let numeric = (up - down) / (2 * Double(eps))
            let a = Double(analytic[i])
            if abs(a - numeric) > atol + rtol * max(abs(a), abs(numeric)) {
                Issue.record("\(e.name)[\(j)]: analytic \(a) vs numeric \(numeric)", sourceLocation: sourceLocation)
                return
            }
            checked += 1
        }
    }
    #expect(checked == model.parameterCount, sourceLocation: sourceLocation)
}
