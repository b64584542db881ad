import Alignment
import Testing

/// The Bradley–Terry reward loss against its reference vector (docs/ALGORITHMS.md §7.3) and finite differences.
@Suite struct BradleyTerryTests {
    static let batch = [RewardPair(chosen: 2, rejected: 1), RewardPair(chosen: 0.5, rejected: 1.5), RewardPair(chosen: -1, rejected: -3)]
    static let margins = [0.5, 0, 1.0]

    @Test func matchesTheReferenceVector() {
        let plain = BradleyTerry().evaluate(Self.batch)
        #expect(abs(plain.loss - 0.5844837954) < 1e-9)
        #expect(abs(plain.metrics["accuracy", default: -1] - 2.0 / 3) < 1e-12)
        #expect(abs(plain.metrics["margin", default: -1] - (1 - 1 + 2) / 3) < 1e-12)
        let withMargin = BradleyTerry().evaluate(zip(Self.batch, Self.margins).map { RewardPair(chosen: $0.chosen, rejected: $0.rejected, margin: $1) })
        #expect(abs(withMargin.loss - 0.7002001197) < 1e-9)
        let centred = BradleyTerry(centerCoefficient: 0.01).evaluate(Self.batch)
        #expect(abs(centred.loss - plain.loss - 0.0966666667) < 1e-9)
        #expect(abs(centred.losses.reduce(0, +) / 3 - centred.loss) < 1e-12)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let objective = BradleyTerry(centerCoefficient: 0.01)
        let batch = zip(Self.batch, Self.margins).map { RewardPair(chosen: $0.chosen, rejected: $0.rejected, margin: $1) }
        let analytic = objective.evaluate(batch).gradients
        let h = 1e-6
        for i in batch.indices {
            for side in 0..<2 {
                var up = batch, down = batch
                if side == 0 { up[i].chosen += h; down[i].chosen -= h } else { up[i].rejected += h; down[i].rejected -= h }
                let numeric = (objective.evaluate(up).loss - objective.evaluate(down).loss) / (2 * h)
                let exact = side == 0 ? analytic[i].chosen : analytic[i].rejected
                #expect(abs(numeric - exact) < 1e-7, "pair \(i) side \(side): \(numeric) vs \(exact)")
            }
        }
    }
}
