import Storage
import Testing

@Suite struct AgreementTests {
    private func judge(_ comparison: String, _ choices: [Choice], dataset: String? = "math") -> [Preference] {
        choices.enumerated().map { index, choice in
            preference("\(comparison)-\(index)", comparison: comparison, annotator: "ann\(index)", choice: choice,
                       dataset: dataset)
        }
    }

    @Test func rawAgreementIsTheShareOfAgreeingPairs() throws {
        // Agreeing pairs 1 + 3 + 1 of 3 + 3 + 3.
        let prefs = judge("c1", [.a, .a, .b]) + judge("c2", [.b, .b, .b]) + judge("c3", [.tie, .tie, .a])
        let report = try #require(Agreement.perDataset(prefs).first)
        #expect(report.items == 3)
        #expect(report.judgements == 9)
        #expect(report.rawAgreement == 5.0 / 9.0)
        #expect(abs((report.fleiss?.kappa ?? .nan) - 4.0 / 13.0) < 1e-12)
    }

    @Test func rawAgreementPoolsPairsAcrossUnequalOverlap() throws {
        // (a,a) has 1 agreeing pair of 1, (a,b,b) 1 of 3: pooled 2/4, not the mean of 1 and 1/3.
        let report = try #require(Agreement.perDataset(judge("c1", [.a, .a]) + judge("c2", [.a, .b, .b])).first)
        #expect(report.rawAgreement == 0.5)
        #expect(abs((report.fleiss?.kappa ?? .nan) - 11.0 / 36.0) < 1e-12)
    }

    @Test func skipsAndLoneJudgementsAreExcluded() throws {
        let prefs = judge("c1", [.a, .skip, .a, .skip]) + judge("c2", [.b, .skip]) + judge("c3", [.skip, .skip])
            + judge("c4", [.b, .a]) + [preference("inline", comparison: nil, choice: .a)]
        let report = try #require(Agreement.perDataset(prefs).first)
        #expect(report.items == 2)
        #expect(report.excludedItems == 2)
        #expect(report.judgements == 4)
        #expect(report.rawAgreement == 0.5)
        let items = Agreement.items(prefs)
        #expect(items.map(\.comparisonID) == ["c1", "c2", "c3", "c4"])
        #expect(items.first?.votes == VoteCounts(a: 2, skip: 2))
        #expect(items.first?.rawAgreement == 1)
        #expect(items[1].rawAgreement == nil)
    }

    @Test func unanimousDatasetHasNoKappaButFullAgreement() throws {
        let report = try #require(Agreement.perDataset(judge("c1", [.a, .a]) + judge("c2", [.a, .a, .a])).first)
        #expect(report.rawAgreement == 1)
        #expect(report.fleiss != nil)
        #expect(report.fleiss?.kappa == nil)
    }

    @Test func aChangedMindCountsOnce() throws {
        let prefs = [
            preference("p1", annotator: "x", choice: .a, at: 0),
            preference("p2", annotator: "y", choice: .b, at: 1),
            preference("p3", annotator: "x", choice: .b, at: 2),
        ]
        let item = try #require(Agreement.items(prefs).first)
        #expect(item.votes == VoteCounts(b: 2))
        #expect(item.rawAgreement == 1)
    }

    @Test func reportsEachDatasetSeparately() {
        let prefs = judge("c1", [.a, .a], dataset: "zeta") + judge("c2", [.a, .b], dataset: nil)
            + judge("c3", [.b, .b], dataset: "alpha") + judge("c4", [.tie], dataset: "alpha")
        let reports = Agreement.perDataset(prefs)
        #expect(reports.map(\.dataset) == [nil, "alpha", "zeta"])
        #expect(reports.map(\.rawAgreement) == [0, 1, 1])
        #expect(reports.map(\.excludedItems) == [0, 1, 0])
        #expect(Agreement.perDataset([]).isEmpty)
        let empty = Agreement.report([], dataset: "none")
        #expect(empty.rawAgreement == nil && empty.fleiss == nil && empty.items == 0)
    }
}
