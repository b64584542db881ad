import Alignment
import Testing

/// Closed-form one-step vectors on P3 with π_k = (0.5, 0.2, 0.3), π_ref = (0.6, 0.3, 0.1) (docs/ALGORITHMS.md §6.4).
@Suite("Exact tabular updates (docs/ALGORITHMS.md §6.4)")
struct TabularUpdateTests {
    let game = TabularGame.p3
    let start = try! ProbabilityVector([0.5, 0.2, 0.3])

    @Test func winRates() {
        expectClose(game.matrix.winRates(against: start.probabilities), [0.49, 0.36, 0.61], tolerance: 1e-15)
    }

    @Test func nashMPStep() {
        let update = ExactNashMP(beta: 0.1, eta: 2)
        expectClose(update.halfStep(start, in: game).probabilities, [0.519145, 0.173541, 0.307314], tolerance: 1e-6)
        expectClose(update.step(start, in: game).probabilities, [0.511798, 0.172973, 0.315230], tolerance: 1e-6)
    }

    @Test func nashMDStep() {
        let update = ExactNashMD(tau: 0.1, schedule: .constant(0.5))
        expectClose(update.mixture(start, in: game).probabilities, [0.508320, 0.205609, 0.286071], tolerance: 1e-6)
        expectClose(update.step(start, in: game).probabilities, [0.506911, 0.190935, 0.302154], tolerance: 1e-6)
    }

    @Test func inpoStep() {
        expectClose(ExactINPO(eta: 2, tau: 0.1).step(start, in: game).probabilities, [0.522777, 0.168594, 0.308630], tolerance: 1e-6)
    }

    @Test func sppoStep() {
        expectClose(ExactSPPO(eta: 2).step(start, in: game).probabilities, [0.482819, 0.148911, 0.368270], tolerance: 1e-6)
    }

    // The decreasing Nash-MD schedule starts with η₀τ = 1, so its first opponent is π_ref itself.
    @Test func nashMDDecreasingScheduleStartsAtReference() {
        let update = ExactNashMD(tau: 0.1, schedule: .decreasing)
        expectClose(update.eta(at: 0), 10, tolerance: 1e-12)
        expectClose(update.eta(at: 8), 2, tolerance: 1e-12)
        expectClose(update.mixture(start, iteration: 0, in: game).probabilities, game.reference.probabilities, tolerance: 1e-15)
    }

    // MWU keeps log-probabilities finite where probabilities underflow: after many η = 50 steps on RPS the
    // policy sits on a vertex yet stays a valid, finite policy.
    @Test func updatesStayFiniteInLogSpace() {
        let path = ExactSPPO(eta: 50).iterates(from: TabularGame.rpsHard.reference, count: 200, in: .rpsHard)
        #expect(path.count == 201)
        #expect(path.allSatisfy { $0.logProbabilities.allSatisfy { $0.isFinite } })
    }
}
