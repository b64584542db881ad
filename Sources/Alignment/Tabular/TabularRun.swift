import Foundation

/// A run on a tabular game: the exact closed-form updates of docs/ALGORITHMS.md §2–§6 iterated from π_ref
/// (or a given start), with the regularised-game metrics of every iterate. This is what a researcher
/// posts to check an algorithm against theory: `{"algorithm": "nash_mp", "task": {"kind": "tabular",
/// "preference_matrix": P, "reference": π_ref}, "hyperparameters": {"beta": β, "eta": η, "iterations": K}}`.
///
/// Conventions per algorithm (the symbols of docs/ALGORITHMS.md):
/// - `nash_mp` (Tiapkin et al., arXiv 2505.19731, §5.1): `beta` β > 0, `eta` η > 0 (default 2; η > 2 is
///   accepted with a warning, since the rate bound needs η ≤ 2), `iterations` K (default 100).
/// - `inpo` (Zhang et al., arXiv 2407.00617, §3.1): `beta` is its τ, `eta` η (default 1), ητ ≤ 1.
/// - `nash_md` (Munos et al., arXiv 2312.00886, §4.1): `beta` is its τ; `eta` constant if given (ητ ≤ 1),
///   otherwise the O(1/T) schedule η_t = 2/(τ(t+2)).
/// - `sppo` (Wu et al., arXiv 2405.00675, §2.1): no `beta` (its anchor is the previous iterate); `eta`
///   defaults to 1/√K (Theorem 4.1). Metrics are of the unregularised game, on the **average** iterate
///   (its guarantee), with the last iterate's under `/last`.
/// - `dpo` (Rafailov et al., arXiv 2305.18290; §6.3): `beta` only; the population optimum of the DPO loss
///   over all pairs weighted uniformly, one "iteration".
public struct TabularRun: Sendable {
    public static let algorithms = ["dpo", "sppo", "inpo", "nash_md", "nash_mp"]
    public static let maxIterations = 10_000
    /// The largest `beta` or `eta` accepted (η·β stays far from overflow).
    public static let maxCoefficient = 1e6
    /// The smallest `beta` accepted. The updates and metrics divide by β (`Pπ/β`, `r̂/β`), so a β such as
    /// 1e-300 would put logits near the overflow threshold, and no iteration budget reaches π*_β there.
    public static let minBeta = 1e-6

    public let algorithm: String
    public let game: TabularGame
    public let initial: ProbabilityVector
    public let beta: Double?
    public let eta: Double?
    public let iterations: Int
    /// Accepted but noteworthy settings (Nash-MP with η > 2).
    public let warnings: [String]

    /// Validates the algorithm's hyperparameters; every error names its field (`hyperparameters.eta`).
    public init(algorithm: String, game: TabularGame, initial: ProbabilityVector? = nil,
                hyperparameters: [String: Double]) throws(TabularSpecError) {
        guard Self.algorithms.contains(algorithm) else {
            throw TabularSpecError("algorithm", "tabular tasks run one of \(Self.algorithms.joined(separator: ", "))")
        }
        let allowed: Set<String> = switch algorithm {
        case "dpo": ["beta"]
        case "sppo": ["eta", "iterations"]
        default: ["beta", "eta", "iterations"]
        }
        if let unknown = hyperparameters.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw TabularSpecError("hyperparameters.\(unknown)", "\(algorithm) on a tabular task takes only \(allowed.sorted().joined(separator: ", "))")
        }
        for (key, value) in hyperparameters where !value.isFinite {
            throw TabularSpecError("hyperparameters.\(key)", "\(key) must be a finite number")
        }
        var iterations = 1
        if algorithm != "dpo" {
            let k = hyperparameters["iterations"] ?? 100
            guard k >= 1, k <= Double(Self.maxIterations), k == k.rounded() else {
                throw TabularSpecError("hyperparameters.iterations", "iterations must be an integer from 1 to \(Self.maxIterations)")
            }
            iterations = Int(k)
        }
        let beta = hyperparameters["beta"]
        if algorithm != "sppo" {
            guard let beta else { throw TabularSpecError("hyperparameters.beta", "\(algorithm) needs beta > 0") }
            guard beta > 0 else { throw TabularSpecError("hyperparameters.beta", "beta must be > 0") }
        }
        // Upper bounds keep products such as η·β finite: past them the exact updates overflow to NaN.
        if let beta, beta > Self.maxCoefficient {
            throw TabularSpecError("hyperparameters.beta", "beta must be ≤ \(Int(Self.maxCoefficient))")
        }
        if let beta, beta < Self.minBeta {
            throw TabularSpecError("hyperparameters.beta", "beta must be ≥ \(Self.minBeta)")
        }
        var eta = hyperparameters["eta"]
        if let eta, eta <= 0 { throw TabularSpecError("hyperparameters.eta", "eta must be > 0") }
        if let eta, eta > Self.maxCoefficient {
            throw TabularSpecError("hyperparameters.eta", "eta must be ≤ \(Int(Self.maxCoefficient))")
        }
        var warnings: [String] = []
        switch algorithm {
        case "nash_mp":
            eta = eta ?? 2
            if let eta, eta > 2 {
                warnings.append("eta = \(eta) > 2: Nash-MP's linear rate KL(π*‖π_k) ≤ (1+ηβ)^-k KL(π*‖π_0) is guaranteed only for eta ≤ 2")
            }
        case "inpo":
            eta = eta ?? 1
        case "sppo":
            eta = eta ?? 1 / Double(iterations).squareRoot()
        default:
            break
        }
        if algorithm == "inpo" || algorithm == "nash_md", let eta, let beta, eta * beta > 1 {
            throw TabularSpecError("hyperparameters.eta", "eta × beta = \(eta * beta) must be ≤ 1 (the weight on the previous iterate is 1 − eta·beta)")
        }
        let start = initial ?? game.reference
        guard start.count == game.count else {
            throw TabularSpecError("task.initial", "initial has \(start.count) entries, the game has \(game.count)")
        }
        self.algorithm = algorithm
        self.game = game
        self.initial = start
        self.beta = beta
        self.eta = eta
        self.iterations = iterations
        self.warnings = warnings
    }

    /// What a finished tabular run returns.
    public struct Outcome: Sendable {
        /// The last iterate (DPO: its population optimum).
        public var policy: ProbabilityVector
        /// SPPO's average iterate (1/K) Σ_{t=1..K} π_t.
        public var averagePolicy: ProbabilityVector?
        /// The equilibrium the metrics measure against (π*_β, or the unregularised one for SPPO when it has full support).
        public var equilibrium: ProbabilityVector?
        /// Final metrics, as in the last entry of the per-iteration series.
        public var summary: [String: Double]
        /// Metrics this run defines but could not compute (`kl_to_equilibrium` when π*_β could not be
        /// certified): absent from ``summary`` and the series, and to be reported as null, not as missing.
        public var unavailable: [String]
        /// What went wrong while running without failing the run (why a metric is unavailable); the run's
        /// own ``TabularRun/warnings`` are known before it starts and are not repeated here.
        public var warnings: [String]
    }

    /// Runs the updates, reporting each iterate's metrics (iteration 0 is the start) to `record`; `record`
    /// may throw to stop (cancellation).
    public func run(record: (Int, [String: Double]) throws -> Void) throws -> Outcome {
        var equilibrium: ProbabilityVector?
        var unavailable: [String] = []
        var warnings: [String] = []
        if algorithm == "sppo" {
            equilibrium = Self.fullSupportNash(game.matrix)
        } else {
            // π*_β serves only the metrics, so a solver that cannot certify it costs those metrics, not the run.
            do {
                equilibrium = try RegularizedNashSolver(beta: beta ?? 1).solve(game)
            } catch {
                unavailable = ["kl_to_equilibrium"]
                warnings.append("kl_to_equilibrium is null: the equilibrium at beta = \(beta ?? 1) could not be certified (\(error.message))")
            }
        }
        func metrics(_ policy: ProbabilityVector, last: ProbabilityVector? = nil) -> [String: Double] {
            var out: [String: Double] = ["exploitability": game.matrix.exploitability(of: policy)]
            if algorithm == "sppo" {
                // Unregularised duality gap of a symmetric game: max_y P(y≻π) − min_y P(π≻y) = 2·exploitability.
                out["duality_gap"] = 2 * game.matrix.exploitability(of: policy)
            } else if let beta {
                out["duality_gap"] = game.dualityGap(of: policy, beta: beta)
            }
            if let equilibrium { out["kl_to_equilibrium"] = equilibrium.kl(to: policy) }
            if let last {
                out["exploitability/last"] = game.matrix.exploitability(of: last)
                out["duality_gap/last"] = 2 * game.matrix.exploitability(of: last)
                if let equilibrium { out["kl_to_equilibrium/last"] = equilibrium.kl(to: last) }
            }
            // The trajectory itself, for plotting, on games small enough to read it.
            if game.count <= 8 { for (i, p) in policy.probabilities.enumerated() { out["policy/\(i)"] = p } }
            return out
        }
        if algorithm == "dpo" {
            try record(0, metrics(initial))
            let policy = try DPOPopulationOptimum(beta: beta ?? 1).policy(in: game)
            let final = metrics(policy)
            try record(1, final)
            return Outcome(policy: policy, averagePolicy: nil, equilibrium: equilibrium, summary: final,
                           unavailable: unavailable, warnings: warnings)
        }
        let update: any TabularUpdate = switch algorithm {
        case "sppo": ExactSPPO(eta: eta ?? 1)
        case "inpo": ExactINPO(eta: eta ?? 1, tau: beta ?? 1)
        case "nash_md": ExactNashMD(tau: beta ?? 1, schedule: eta.map { .constant($0) } ?? .decreasing)
        default: ExactNashMP(beta: beta ?? 1, eta: eta ?? 2)
        }
        var policy = initial
        var sum = [Double](repeating: 0, count: game.count)
        try record(0, metrics(policy))
        var final: [String: Double] = [:]
        var average: ProbabilityVector?
        for k in 1...iterations {
            policy = update.step(policy, iteration: k - 1, in: game)
            if algorithm == "sppo" {
                for (i, p) in policy.probabilities.enumerated() { sum[i] += p }
                let mean = ProbabilityVector(logits: sum.map { log($0) })
                average = mean
                final = metrics(mean, last: policy)
            } else {
                final = metrics(policy)
            }
            try record(k, final)
        }
        return Outcome(policy: policy, averagePolicy: average, equilibrium: equilibrium, summary: final,
                       unavailable: unavailable, warnings: warnings)
    }

    /// The Nash equilibrium of the unregularised symmetric game when it has full support: the solution of
    /// `(P − ½)π = 0`, `Σπ = 1` (every response then wins exactly ½ against it). Nil otherwise.
    static func fullSupportNash(_ matrix: PreferenceMatrix) -> ProbabilityVector? {
        let n = matrix.count
        // Least squares through the normal equations of the (n+1)×n system, solved by Gaussian elimination.
        var a = (0..<n).map { i in (0..<n).map { j in matrix[i, j] - 0.5 } } + [[Double](repeating: 1, count: n)]
        var b = [Double](repeating: 0, count: n) + [1]
        var ata = (0..<n).map { i in (0..<n).map { j in (0...n).reduce(0.0) { $0 + a[$1][i] * a[$1][j] } } }
        var atb = (0..<n).map { i in (0...n).reduce(0.0) { $0 + a[$1][i] * b[$1] } }
        a = []
        b = []
        for col in 0..<n {
            guard let pivot = (col..<n).max(by: { abs(ata[$0][col]) < abs(ata[$1][col]) }), abs(ata[pivot][col]) > 1e-12 else { return nil }
            ata.swapAt(col, pivot)
            atb.swapAt(col, pivot)
            for row in 0..<n where row != col {
                let f = ata[row][col] / ata[col][col]
                for k in col..<n { ata[row][k] -= f * ata[col][k] }
                atb[row] -= f * atb[col]
            }
        }
        let x = (0..<n).map { atb[$0] / ata[$0][$0] }
        guard x.allSatisfy({ $0 > 1e-9 }) else { return nil }
        let wins = matrix.winRates(against: x)
        guard wins.allSatisfy({ abs($0 - 0.5) < 1e-9 }) else { return nil }
        return try? ProbabilityVector(x, tolerance: 1e-6)
    }
}

/// A tabular run request that cannot run, naming the field at fault (`hyperparameters.beta`).
public struct TabularSpecError: Error, Sendable, Hashable {
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }
}
