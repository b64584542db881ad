import Foundation
import Storage
import Testing

@Suite struct TRLExportTests {
    private func export(_ preferences: [Preference], _ format: TRLExportFormat = .standard,
                        ties: TiePolicy = .drop) -> String {
        text(TRLExport(options: TRLExportOptions(format: format, tiePolicy: ties)).jsonl(for: preferences).rows)
    }

    @Test func standardRowIsGolden() {
        #expect(export([preference("p1", choice: .a)]) == #"{"prompt":"What is 2+2?","chosen":"4","rejected":"5"}"# + "\n")
        #expect(export([preference("p1", choice: .b)]) == #"{"prompt":"What is 2+2?","chosen":"5","rejected":"4"}"# + "\n")
    }

    @Test func conversationalRowIsGolden() {
        let expected = #"{"prompt":[{"role":"user","content":"What is 2+2?"}],"#
            + #""chosen":[{"role":"assistant","content":"4"}],"rejected":[{"role":"assistant","content":"5"}]}"# + "\n"
        #expect(export([preference("p1", choice: .a)], .conversational) == expected)
    }

    @Test func unpairedEmitsTwoRowsPerPair() {
        #expect(export([preference("p1", choice: .b)], .unpaired) ==
            #"{"prompt":"What is 2+2?","completion":"5","label":true}"# + "\n"
            + #"{"prompt":"What is 2+2?","completion":"4","label":false}"# + "\n")
        #expect(export([preference("p1", choice: .a)], .unpairedConversational) ==
            #"{"prompt":[{"role":"user","content":"What is 2+2?"}],"completion":[{"role":"assistant","content":"4"}],"label":true}"# + "\n"
            + #"{"prompt":[{"role":"user","content":"What is 2+2?"}],"completion":[{"role":"assistant","content":"5"}],"label":false}"# + "\n")
    }

    @Test func tiesAreDroppedByDefault() {
        #expect(export([preference("p1", choice: .tie)]) == "")
        #expect(export([preference("p1", choice: .tie)], .unpaired) == "")
    }

    @Test func bothOrdersEmitsATieAsAOverBThenBOverA() {
        #expect(export([preference("p1", choice: .tie)], ties: .bothOrders) ==
            #"{"prompt":"What is 2+2?","chosen":"4","rejected":"5"}"# + "\n"
            + #"{"prompt":"What is 2+2?","chosen":"5","rejected":"4"}"# + "\n")
        // Unpaired expands each order into its two rows.
        let unpaired = export([preference("p1", choice: .tie)], .unpaired, ties: .bothOrders)
        #expect(unpaired.split(separator: "\n").count == 4)
        // The policy only touches ties.
        #expect(export([preference("p1", choice: .a)], ties: .bothOrders).split(separator: "\n").count == 1)
    }

    @Test(arguments: [TiePolicy.drop, .bothOrders], TRLExportFormat.allCases)
    func skipsAreAlwaysDropped(ties: TiePolicy, format: TRLExportFormat) {
        let skips = [preference("p1", annotator: "x", choice: .skip), preference("p2", annotator: "y", choice: .skip),
                     preference("p3", comparison: nil, choice: .skip)]
        #expect(export(skips, format, ties: ties) == "")
    }

    @Test func majorityDecidesAndDrawsBecomeTies() {
        let prefs = [
            preference("p1", comparison: "c1", annotator: "x", choice: .b),
            preference("p2", comparison: "c2", annotator: "x", choice: .a),
            preference("p3", comparison: "c1", annotator: "y", choice: .b),
            preference("p4", comparison: "c2", annotator: "y", choice: .b),  // c2 draws 1–1
            preference("p5", comparison: "c1", annotator: "z", choice: .a),  // c1: b wins 2–1
            preference("p6", comparison: "c1", annotator: "w", choice: .skip),
        ]
        #expect(export(prefs) == #"{"prompt":"What is 2+2?","chosen":"5","rejected":"4"}"# + "\n")
        #expect(export(prefs, ties: .bothOrders) ==
            #"{"prompt":"What is 2+2?","chosen":"5","rejected":"4"}"# + "\n"
            + #"{"prompt":"What is 2+2?","chosen":"4","rejected":"5"}"# + "\n"
            + #"{"prompt":"What is 2+2?","chosen":"5","rejected":"4"}"# + "\n")
    }

    @Test(arguments: [
        (VoteCounts(a: 1), PairOutcome?.some(.a)),
        (VoteCounts(b: 2, skip: 5), .b),
        (VoteCounts(a: 2, b: 1), .a),
        (VoteCounts(a: 1, b: 1), .tie),
        (VoteCounts(a: 2, b: 2, tie: 1), .tie),
        (VoteCounts(a: 1, tie: 2), .tie),
        (VoteCounts(a: 2, b: 1, tie: 2), .tie),
        (VoteCounts(a: 3, b: 1, tie: 2), .a),
        (VoteCounts(b: 2, tie: 1), .b),
        (VoteCounts(tie: 1), .tie),
        (VoteCounts(skip: 3), nil),
        (VoteCounts(), nil),
    ])
    func majorityRule(votes: VoteCounts, expected: PairOutcome?) {
        #expect(MajorityResolution.outcome(of: votes) == expected)
    }

    @Test func anAnnotatorsLatestJudgementReplacesTheirEarlierOne() {
        // Listed newest first to show recency comes from createdAt, not list order.
        let prefs = [
            preference("p2", annotator: "x", choice: .b, at: 60),
            preference("p1", annotator: "x", choice: .a, at: 0),
            preference("p3", annotator: "y", choice: .a, at: 30),
        ]
        let pairs = MajorityResolution.resolve(prefs)
        #expect(pairs.count == 1)
        #expect(pairs.first?.votes == VoteCounts(a: 1, b: 1))
        #expect(pairs.first?.outcome == .tie)
        #expect(pairs.first?.preferences.map(\.id) == ["p2", "p3"])
    }

    @Test func inlinePreferencesAreExportedOneByOneInPlace() {
        let prefs = [
            preference("p1", comparison: nil, annotator: "x", choice: .a, prompt: "Q1"),
            preference("p2", comparison: "c9", annotator: "x", choice: .b, prompt: "Q2"),
            preference("p3", comparison: nil, annotator: "y", choice: .b, prompt: "Q1"),
            preference("p4", comparison: "c9", annotator: "y", choice: .b, prompt: "Q2"),
        ]
        let pairs = MajorityResolution.resolve(prefs)
        #expect(pairs.map(\.comparisonID) == [nil, "c9", nil])
        #expect(pairs.map(\.outcome) == [.a, .b, .b])
        #expect(pairs.map(\.prompt) == ["Q1", "Q2", "Q1"])
    }

    @Test func stringsAreEscapedAndStayValidUTF8() {
        let awkward = "He said \"hi\"\\ then\n\ttab \u{01} end / 👩‍👩‍👧 cafe\u{301} 日本"
        let out = export([preference("p1", choice: .a, prompt: awkward, a: "ok", b: "no")])
        #expect(out == #"{"prompt":"He said \"hi\"\\ then\n\ttab \u0001 end / 👩‍👩‍👧 cafe"# + "\u{301}"
            + #" 日本","chosen":"ok","rejected":"no"}"# + "\n")
        let object = jsonObject(bytes(out))
        #expect(object?["prompt"] as? String == awkward)
        // Canonically equivalent strings compare equal in Swift, so check the exact scalars survived.
        #expect((object?["prompt"] as? String)?.unicodeScalars.elementsEqual(awkward.unicodeScalars) == true)
    }

    @Test func everyLineIsOneJSONObjectEndingInNewline() {
        let prefs = (0..<20).map { index in
            preference("p\(index)", comparison: "c\(index % 7)", annotator: "a\(index)",
                       choice: Choice.allCases[index % 4], prompt: "Prompt \(index) ✓")
        }
        for format in TRLExportFormat.allCases {
            let rows = TRLExport(options: TRLExportOptions(format: format, tiePolicy: .bothOrders)).rows(for: prefs)
            #expect(!rows.isEmpty)
            for row in rows {
                #expect(row.line.last == 0x0A)
                #expect(row.line.dropLast().contains(0x0A) == false)
                #expect(jsonObject(row.line) != nil)
            }
        }
    }
}
