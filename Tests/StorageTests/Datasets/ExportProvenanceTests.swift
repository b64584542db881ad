import Storage
import Testing

@Suite struct ExportProvenanceTests {
    @Test func provenanceLineIsGoldenAndAlignedWithItsRow() {
        let prefs = [
            preference("p1", comparison: "c1", annotator: "x", choice: .a, strength: 3),
            preference("p2", comparison: "c1", annotator: "y", choice: .a),
            preference("p3", comparison: "c1", annotator: "z", choice: .skip),
            preference("p4", comparison: "c1", annotator: "w", choice: .b, strength: 1),
        ]
        let export = TRLExport(options: TRLExportOptions(provenance: true))
        let rows = export.rows(for: prefs)
        #expect(rows.count == 1)
        #expect(rows.first.map { text($0.line) } == #"{"prompt":"What is 2+2?","chosen":"4","rejected":"5"}"# + "\n")
        #expect(rows.first?.provenance.map(text) ==
            #"{"comparison_id":"c1","dataset":"math","outcome":"a","order":"a>b","#
            + #""votes":{"a":2,"b":1,"tie":0,"skip":1},"preference_ids":["p1","p2","p3","p4"],"#
            + #""annotators":["x","y","z","w"],"choices":["a","a","skip","b"],"strengths":[3,null,null,1],"shown_first":["a","a","a","a"]}"# + "\n")
    }

    @Test func bothOrdersAndUnpairedRowsEachGetTheirOwnLine() {
        let prefs = [preference("p1", comparison: nil, choice: .tie, dataset: nil)]
        let paired = TRLExport(options: TRLExportOptions(tiePolicy: .bothOrders, provenance: true)).rows(for: prefs)
        #expect(paired.compactMap { $0.provenance.flatMap(jsonObject)?["order"] as? String } == ["a>b", "b>a"])
        #expect(paired.first?.provenance.map(text)?.hasPrefix(#"{"comparison_id":null,"dataset":null,"outcome":"tie","#) == true)

        let unpaired = TRLExport(options: TRLExportOptions(format: .unpaired, tiePolicy: .bothOrders, provenance: true))
            .rows(for: prefs)
        let sidecar = unpaired.compactMap { $0.provenance.flatMap(jsonObject) }
        #expect(sidecar.count == 4)
        #expect(sidecar.map { "\($0["order"] ?? "")/\($0["completion"] ?? "")" } == ["a>b/a", "a>b/b", "b>a/b", "b>a/a"])
        #expect(sidecar.map { $0["label"] as? Bool } == [true, false, true, false])
        // The sidecar's label is the row's label.
        #expect(unpaired.map { jsonObject($0.line)?["label"] as? Bool } == sidecar.map { $0["label"] as? Bool })
    }

    @Test func jsonlDocumentsHaveOneProvenanceLinePerRow() {
        let prefs = (0..<12).map { preference("p\($0)", comparison: "c\($0 % 5)", annotator: "a\($0)",
                                               choice: Choice.allCases[$0 % 4]) }
        let export = TRLExport(options: TRLExportOptions(format: .unpaired, tiePolicy: .bothOrders, provenance: true))
        let (rows, provenance) = export.jsonl(for: prefs)
        #expect(rows.filter { $0 == 0x0A }.count == provenance.filter { $0 == 0x0A }.count)
        #expect(rows.filter { $0 == 0x0A }.count > 0)
        #expect(TRLExport().jsonl(for: prefs).provenance.isEmpty)
    }
}
