// The β-regularised preference game of NLHF (docs/ALGORITHMS.md §0, §6.2):
// V(π, π') = P(π≻π') − β KL(π‖π_ref) + β KL(π'‖π_ref); π*_β is its unique symmetric Nash equilibrium,
// the fixed point π*_β ∝ π_ref · exp(P π*_β / β).

extension TabularGame {
    /// `V(π, π') = P(π≻π') − β KL(π‖π_ref) + β KL(π'‖π_ref)`.
    public func value(_ policy: ProbabilityVector, _ opponent: ProbabilityVector, beta: Double) -> Double {
        matrix.preference(of: policy.probabilities, over: opponent.probabilities)
            - beta * policy.kl(to: reference) + beta * opponent.kl(to: reference)
    }

    /// The maximiser's best response to π: `p₁ ∝ π_ref · exp(Pπ/β)`.
    public func bestResponse(to policy: ProbabilityVector, beta: Double) -> ProbabilityVector {
        let wins = matrix.winRates(against: policy.probabilities)
        return ProbabilityVector(logits: zip(reference.logProbabilities, wins).map { $0 + $1 / beta })
    }

    /// Duality gap `max_{p₁} V(p₁, π) − min_{p₂} V(π, p₂)` (EGPO `simulations/run.py::dual_gap`); ≥ 0, and 0
    /// exactly at π*_β.
    ///
    /// Both extrema are closed-form log-partition functions, so no best response is materialised:
    /// `β·lse(log π_ref + Pπ/β) + β·lse(log π_ref − Pᵀπ/β) + 2β KL(π‖π_ref)`.
    public func dualityGap(of policy: ProbabilityVector, beta: Double) -> Double {
        let p = policy.probabilities
        let wins = matrix.winRates(against: p)
        let losses = matrix.winRates(of: p)
        let ref = reference.logProbabilities
        let maxPlayer = beta * logSumExp(zip(ref, wins).map { $0 + $1 / beta })
        let minPlayer = beta * logSumExp(zip(ref, losses).map { $0 - $1 / beta })
        return maxPlayer + minPlayer + 2 * beta * policy.kl(to: reference)
    }

    /// Fixed-point residual `max|r − mean(r)|`, `r = log π − log π_ref − Pπ/β`; 0 exactly at π*_β
    /// (docs/ALGORITHMS.md §6.2 accepts below 1e-12 at β ≥ 1; see ``RegularizedNashSolver/tolerance(at:)``).
    public func equilibriumResidual(of policy: ProbabilityVector, beta: Double) -> Double {
        let wins = matrix.winRates(against: policy.probabilities)
        let r = (0..<count).map { policy.logProbabilities[$0] - reference.logProbabilities[$0] - wins[$0] / beta }
        let m = mean(r)
        return r.map { abs($0 - m) }.max() ?? 0
    }
}

/// Computes π*_β by iterating exact Nash-MP with η = 2 from π_ref (docs/ALGORITHMS.md §6.2).
///
/// Plain fixed-point iteration of `π ← softmax(log π_ref + Pπ/β)` oscillates for small β (residual 1.5 on P3
/// at β = 0.1 after 2000 steps); mirror prox contracts at rate 1/(1+2β) for every β > 0 (Tiapkin et al.,
/// arXiv 2505.19731).
///
/// ```swift
/// let star = try RegularizedNashSolver(beta: 0.1).solve(.p3)   // ≈ (0.453485, 0.148841, 0.397674)
/// ```
public struct RegularizedNashSolver: Sendable, Hashable {
    /// Regularisation β > 0.
    public var beta: Double
    /// Stop when `‖π_{k+1} − π_k‖_∞` falls below this; 1e-15 as in docs/ALGORITHMS.md §6.2.
    public var stepTolerance: Double
    /// Accept the result only if the fixed-point residual is below this times `max(1, 1/β)`; 1e-12 as in
    /// §6.2 (see ``tolerance(at:)``).
    public var residualTolerance: Double
    /// Give up after this many Nash-MP iterations (β = 0.01 on RPSLS needs about 1150; the rate is 1/(1+2β),
    /// so β = 1e-3 needs about 13 000 and β below about 1.5e-4 is out of reach).
    public var maxIterations: Int

    /// Creates a solver with the tolerances of docs/ALGORITHMS.md §6.2.
    public init(beta: Double, stepTolerance: Double = 1e-15, residualTolerance: Double = 1e-12, maxIterations: Int = 100_000) {
        self.beta = beta
        self.stepTolerance = stepTolerance
        self.residualTolerance = residualTolerance
        self.maxIterations = maxIterations
    }

    /// The residual accepted at β: `residualTolerance · max(1, 1/β)`.
    ///
    /// The residual's terms `Pπ/β` are of size 1/β, so its rounding floor is about `ulp(1/β)`, not `ulp(1)`:
    /// at β = 1e-3 the fixed point of a 4×4 game with a sparse equilibrium stalls near 1.5e-11 although the
    /// iterates no longer move. Scaled, the test is on `β·r = β(log π − log π_ref) − Pπ`, whose terms are
    /// probabilities, so it certifies the same thing at every β.
    public func tolerance(at beta: Double) -> Double {
        residualTolerance * max(1, 1 / beta)
    }

    /// π*_β of `game`, or `.invalidParameter` for β ≤ 0, `.didNotConverge` if the residual stays too large.
    public func solve(_ game: TabularGame) throws(TabularError) -> ProbabilityVector {
        guard beta > 0 && beta.isFinite else {
            throw TabularError(.invalidParameter, "beta = \(beta) must be positive and finite")
        }
        let step = ExactNashMP(beta: beta, eta: 2)
        let accepted = tolerance(at: beta)
        var policy = game.reference
        var residual = game.equilibriumResidual(of: policy, beta: beta)
        var iterations = 0
        while iterations < maxIterations {
            let next = step.step(policy, in: game)
            let change = zip(next.probabilities, policy.probabilities).map { abs($0 - $1) }.max() ?? 0
            policy = next
            iterations += 1
            // A response with a tiny probability can still be far off in log space while its probability
            // no longer moves, so a small step only ends the loop once the log-space residual agrees.
            if change < stepTolerance {
                residual = game.equilibriumResidual(of: policy, beta: beta)
                if residual < accepted { return policy }
            }
        }
        residual = game.equilibriumResidual(of: policy, beta: beta)
        guard residual < accepted else {
            throw TabularError(
                .didNotConverge, "fixed-point residual \(residual) after \(iterations) iterations at beta = \(beta)")
        }
        return policy
    }
}
