import Storage
import Testing

@Suite struct AnnotatorStatsTests {
    @Test func countsChoicesSkipsAndMedianTime() {
        let prefs = [
            preference("p1", annotator: "bob", choice: .a, time: 300),
            preference("p2", annotator: "amy", choice: .skip, time: 100),
            preference("p3", annotator: "bob", choice: .b, time: nil),
            preference("p4", annotator: "bob", choice: .a, time: 100),
            preference("p5", annotator: "amy", choice: .tie, time: 400),
            preference("p6", annotator: "bob", choice: .skip, time: 200),
            preference("p7", annotator: "cid", choice: .b),
        ]
        #expect(AnnotatorStats.compute(prefs) == [
            AnnotatorStats(annotator: "amy", counts: VoteCounts(tie: 1, skip: 1), medianTimeSpentMS: 250),
            AnnotatorStats(annotator: "bob", counts: VoteCounts(a: 2, b: 1, skip: 1), medianTimeSpentMS: 200),
            AnnotatorStats(annotator: "cid", counts: VoteCounts(b: 1), medianTimeSpentMS: nil),
        ])
        #expect(AnnotatorStats.compute(prefs)[1].counts.total == 4)
    }

    @Test(arguments: [
        ([Int](), Double?.none),
        ([7], Double?.some(7)),
        ([9, 1, 5], Double?.some(5)),
        ([4, 1, 3, 2], Double?.some(2.5)),
        ([Int.max, Int.max], Double?.some(Double(Int.max))),
    ])
    func median(values: [Int], expected: Double?) {
        #expect(AnnotatorStats.median(values) == expected)
    }
}
