import Alignment
import Testing

/// Nash-MP's linear rate `KL(π*_β‖π_k) ≤ (1+ηβ)^{−k} KL(π*_β‖π_0)` for η ≤ 2 (docs/ALGORITHMS.md §5.1).
@Suite("Nash-MP convergence rate (docs/ALGORITHMS.md §5.1)")
struct NashMPConvergenceTests {
    /// Checks the bound at every k up to 600, or until it drops below what double precision can resolve;
    /// returns the worst ratio KL_k / bound_k seen.
    @discardableResult
    func checkBound(
        game: TabularGame, beta: Double, eta: Double, start: ProbabilityVector, star: ProbabilityVector, expectHolds: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Double {
        let update = ExactNashMP(beta: beta, eta: eta)
        let kl0 = star.kl(to: start)
        var policy = start
        var worst = 0.0
        var k = 0
        while k <= 600 {
            let bound = kl0 * pow(1 + eta * beta, -Double(k))
            // Below ~1e-13 the KL is dominated by rounding in π* and π_k themselves.
            if bound < 1e-13 { break }
            let kl = star.kl(to: policy)
            worst = max(worst, kl / bound)
            if expectHolds {
                #expect(kl <= bound * (1 + 1e-9) + 1e-15, "k = \(k): KL \(kl) > bound \(bound)", sourceLocation: sourceLocation)
            }
            policy = update.step(policy, in: game)
            k += 1
        }
        return worst
    }

    @Test(arguments: [0.5, 1.0, 2.0])
    func boundHoldsOnBuiltInGames(eta: Double) throws {
        for game in [TabularGame.p3, .rpsHard, .rpslsSoft5] {
            for beta in [0.01, 0.1, 1.0] {
                let star = try RegularizedNashSolver(beta: beta).solve(game)
                checkBound(game: game, beta: beta, eta: eta, start: game.reference, star: star)
                checkBound(game: game, beta: beta, eta: eta, start: .uniform(game.count), star: star)
            }
        }
    }

    // §5.1 held it in 300 random games (n = 2..7, soft and 0/1 tournaments, random π_ref and π_0); a seeded
    // sample of 30 here.
    @Test func boundHoldsOnRandomGames() throws {
        var rng = SplitMix64(seed: 5)
        for index in 0..<30 {
            let n = 2 + index % 6
            let game = try randomGame(n, hard: index % 3 == 0, &rng)
            let beta = [0.01, 0.05, 0.1, 0.5, 1][index % 5]
            let star = try RegularizedNashSolver(beta: beta).solve(game)
            let start = randomPolicy(n, &rng)
            for eta in [0.5, 1.0, 2.0] { checkBound(game: game, beta: beta, eta: eta, start: start, star: star) }
        }
    }

    // The bound needs η ≤ 2 (= 1/L, since ‖Pv‖_∞ ≤ ½‖v‖₁ when Σv = 0): with η = 4 it breaks, here (as in a
    // numpy sweep) on 0/1 tournaments with small β, where π*_β is nearly a vertex.
    @Test func boundFailsBeyondEtaTwo() throws {
        var rng = SplitMix64(seed: 11)
        var worst = 0.0
        for index in 0..<8 {
            let game = try randomGame(4 + index % 4, hard: true, &rng)
            let star = try RegularizedNashSolver(beta: 0.01).solve(game)
            let start = randomPolicy(game.count, &rng)
            worst = max(worst, checkBound(game: game, beta: 0.01, eta: 4, start: start, star: star, expectHolds: false))
        }
        #expect(worst > 1.5)
    }

    /// A random complementary matrix: uniform entries, or a 0/1 tournament when `hard`.
    func randomGame(_ n: Int, hard: Bool, _ rng: inout SplitMix64) throws -> TabularGame {
        var rows = Array(repeating: Array(repeating: 0.5, count: n), count: n)
        for i in 0..<n {
            for j in (i + 1)..<n {
                let p = hard ? (rng.next() < 0.5 ? 0.0 : 1.0) : rng.next()
                rows[i][j] = p
                rows[j][i] = 1 - p
            }
        }
        return try TabularGame(matrix: PreferenceMatrix(rows), reference: randomPolicy(n, &rng))
    }

    // §5.1 table: P3, β = 0.1, η = 2, π_0 = π_ref.
    @Test func p3TrajectoryMatchesTable() throws {
        let game = TabularGame.p3
        let star = try RegularizedNashSolver(beta: 0.1).solve(game)
        let path = ExactNashMP(beta: 0.1, eta: 2).iterates(from: game.reference, count: 30, in: game)
        let table: [(k: Int, kl: Double, policy: [Double])] = [
            (0, 3.176894e-1, [0.6, 0.3, 0.1]),
            (1, 2.133372e-1, [0.662398, 0.203247, 0.134355]),
            (2, 1.437428e-1, [0.675935, 0.147908, 0.176157]),
            (5, 4.201688e-2, [0.593381, 0.094511, 0.312108]),
            (10, 5.169568e-3, [0.460448, 0.115866, 0.423685]),
            (20, 6.093889e-5, [0.449738, 0.152546, 0.397716]),
            (30, 6.917309e-7, [0.454049, 0.148583, 0.397369]),
        ]
        for row in table {
            expectRelativelyClose(star.kl(to: path[row.k]), row.kl, relative: 1e-6)
            expectClose(path[row.k].probabilities, row.policy, tolerance: 5e-7)
        }
    }

    func randomPolicy(_ n: Int, _ rng: inout SplitMix64) -> ProbabilityVector {
        // Bounded away from 0 so KL(π*‖π_0) stays moderate.
        ProbabilityVector(logits: (0..<n).map { _ in 3 * rng.next() })
    }
}

/// A tiny seeded generator so the random games are the same on every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    /// Uniform in [0, 1).
    mutating func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
