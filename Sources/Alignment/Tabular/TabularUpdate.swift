/// An exact (population, closed-form) policy update on a tabular game: the update each LLM objective
/// approximates. Updates are done on log-probabilities (see ``ProbabilityVector``).
///
/// ```swift
/// let path = ExactNashMP(beta: 0.1, eta: 2).iterates(from: TabularGame.p3.reference, count: 30, in: .p3)
/// path.last!.kl(to: try RegularizedNashSolver(beta: 0.1).solve(.p3))
/// ```
public protocol TabularUpdate: Sendable {
    /// π_{t+1} from π_t; `iteration` is t (0-based), for step-size schedules.
    func step(_ policy: ProbabilityVector, iteration: Int, in game: TabularGame) -> ProbabilityVector
}

extension TabularUpdate {
    /// `[π_0, π_1, …, π_count]`: the start and `count` updates.
    public func iterates(from start: ProbabilityVector, count: Int, in game: TabularGame) -> [ProbabilityVector] {
        precondition(start.count == game.count, "policy size differs from the game's")
        var path = [start]
        path.reserveCapacity(count + 1)
        for t in 0..<count { path.append(step(path[t], iteration: t, in: game)) }
        return path
    }
}

/// SPPO's exact update, multiplicative weights on the win-rate: `π_{t+1} ∝ π_t · exp(η · P(y ≻ π_t))`.
///
/// Wu et al., arXiv 2405.00675 (docs/ALGORITHMS.md §2.1). No anchor to π_ref, so the reference of the game is unused.
/// Only the **average** iterate converges (O(1/√T) with η = Θ(1/√T)); the last iterate cycles.
public struct ExactSPPO: TabularUpdate {
    /// Step size η > 0.
    public var eta: Double

    /// Creates the update.
    public init(eta: Double) { self.eta = eta }

    /// One MWU step.
    public func step(_ policy: ProbabilityVector, iteration: Int = 0, in game: TabularGame) -> ProbabilityVector {
        let wins = game.matrix.winRates(against: policy.probabilities)
        return ProbabilityVector(logits: zip(policy.logProbabilities, wins).map { $0 + eta * $1 })
    }
}

/// INPO's exact update, online mirror descent on the τ-regularised game:
/// `π_{t+1} ∝ π_t^{1−ητ} · π_ref^{ητ} · exp(η · P(y ≻ π_t))`.
///
/// Zhang et al., arXiv 2407.00617 (docs/ALGORITHMS.md §3.1). Converges in the last iterate to π*_τ when η is small
/// enough for the game (η = 1 at τ = 0.1 on P3; τ = 0.01 needs η ≈ 0.1).
public struct ExactINPO: TabularUpdate {
    /// Step size η > 0.
    public var eta: Double
    /// KL-to-reference coefficient τ > 0, with ητ ≤ 1.
    public var tau: Double

    /// Creates the update.
    public init(eta: Double, tau: Double) {
        self.eta = eta
        self.tau = tau
    }

    /// One OMD step.
    public func step(_ policy: ProbabilityVector, iteration: Int = 0, in game: TabularGame) -> ProbabilityVector {
        let wins = game.matrix.winRates(against: policy.probabilities)
        let ratio = eta * tau
        return ProbabilityVector(logits: (0..<game.count).map {
            (1 - ratio) * policy.logProbabilities[$0] + ratio * game.reference.logProbabilities[$0] + eta * wins[$0]
        })
    }
}

/// Nash-MD's exact update: a geometric mixture with the reference, then a mirror step against it:
/// `π^μ_t ∝ π_t^{1−ητ} π_ref^{ητ}`,  `π_{t+1} ∝ π^μ_t · exp(η · P(y ≻ π^μ_t))`.
///
/// Munos et al., "Nash Learning from Human Feedback", arXiv 2312.00886 (docs/ALGORITHMS.md §4.1). A constant η
/// stalls away from π*_τ (KL ≈ 2.9e-3 on P3 at η = 1); the decreasing schedule converges at O(1/T).
public struct ExactNashMD: TabularUpdate {
    /// How η depends on the iteration t.
    public enum StepSchedule: Sendable, Hashable {
        /// The same η every step.
        case constant(Double)
        /// `η_t = 2 / (τ (t + 2))`, the O(1/T) schedule (so `η_0 τ = 1`: the first mixture is π_ref).
        case decreasing
    }

    /// Regularisation τ > 0 (TRL's `beta`).
    public var tau: Double
    /// Step sizes.
    public var schedule: StepSchedule

    /// Creates the update.
    public init(tau: Double, schedule: StepSchedule) {
        self.tau = tau
        self.schedule = schedule
    }

    /// η at iteration t.
    public func eta(at iteration: Int) -> Double {
        switch schedule {
        case .constant(let eta): eta
        case .decreasing: 2 / (tau * Double(iteration + 2))
        }
    }

    /// The regularised opponent `π^μ_t ∝ π_t^{1−ητ} π_ref^{ητ}`.
    public func mixture(_ policy: ProbabilityVector, iteration: Int = 0, in game: TabularGame) -> ProbabilityVector {
        let alpha = eta(at: iteration) * tau
        return ProbabilityVector(logits: (0..<game.count).map {
            (1 - alpha) * policy.logProbabilities[$0] + alpha * game.reference.logProbabilities[$0]
        })
    }

    /// One Nash-MD step.
    public func step(_ policy: ProbabilityVector, iteration: Int = 0, in game: TabularGame) -> ProbabilityVector {
        let mix = mixture(policy, iteration: iteration, in: game)
        let wins = game.matrix.winRates(against: mix.probabilities)
        let eta = eta(at: iteration)
        return ProbabilityVector(logits: zip(mix.logProbabilities, wins).map { $0 + eta * $1 })
    }
}

/// Nash Mirror Prox's exact update: two prox steps, both anchored at π_k,
/// `log π_{k+½} = [log π_k + ηβ log π_ref + η P(·≻π_k)] / (1+ηβ) + c`,
/// `log π_{k+1} = [log π_k + ηβ log π_ref + η P(·≻π_{k+½})] / (1+ηβ) + c`.
///
/// Tiapkin et al., arXiv 2505.19731 (docs/ALGORITHMS.md §5.1). For η ≤ 2, `KL(π*_β‖π_k) ≤ (1+ηβ)^{−k} KL(π*_β‖π_0)`.
public struct ExactNashMP: TabularUpdate {
    /// Regularisation β > 0.
    public var beta: Double
    /// Prox step η > 0; the linear rate needs η ≤ 2.
    public var eta: Double

    /// Creates the update.
    public init(beta: Double, eta: Double) {
        self.beta = beta
        self.eta = eta
    }

    /// One prox step of `policy` against `opponent`'s win-rates, anchored at `policy`.
    private func prox(_ anchor: ProbabilityVector, against opponent: ProbabilityVector, in game: TabularGame) -> ProbabilityVector {
        let wins = game.matrix.winRates(against: opponent.probabilities)
        let weight = eta * beta
        return ProbabilityVector(logits: (0..<game.count).map {
            (anchor.logProbabilities[$0] + weight * game.reference.logProbabilities[$0] + eta * wins[$0]) / (1 + weight)
        })
    }

    /// The extrapolation π_{k+½}.
    public func halfStep(_ policy: ProbabilityVector, in game: TabularGame) -> ProbabilityVector {
        prox(policy, against: policy, in: game)
    }

    /// π_{k+1}; two oracle calls (N = 2 per iteration).
    public func step(_ policy: ProbabilityVector, iteration: Int = 0, in game: TabularGame) -> ProbabilityVector {
        prox(policy, against: halfStep(policy, in: game), in: game)
    }
}
