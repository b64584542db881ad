import Foundation
import Service
import Testing

/// `checkpoints.keep_last` in a run specification: validated, stored, and only for runs that checkpoint.
@Suite struct RunSpecCheckpointTests {
    static let text = #"{"algorithm": "sft", "task": {"kind": "text", "name": "arithmetic"}, "checkpoints": {"keep_last": 3}}"#

    func field(_ json: String) -> String? {
        do {
            _ = try RunSpec.decode(Array(json.utf8))
            return nil
        } catch {
            return error.field
        }
    }

    @Test func keepLastIsStoredAndDecodesBack() throws {
        let spec = try RunSpec.decode(Array(Self.text.utf8))
        #expect(spec.checkpointKeepLast == 3)
        #expect(spec.json.contains(#""checkpoints":{"keep_last":3}"#))
        #expect(try RunSpec.decode(Array(spec.json.utf8)) == spec)
        let plain = try RunSpec.decode(Array(#"{"algorithm": "sft", "task": {"kind": "text", "name": "arithmetic"}}"#.utf8))
        #expect(plain.checkpointKeepLast == nil && !plain.json.contains("checkpoints"), "absent: today's behaviour")
    }

    @Test func badRetentionNamesTheField() {
        let sft = #"{"algorithm": "sft", "task": {"kind": "text", "name": "arithmetic"}, "#
        #expect(field(sft + #""checkpoints": {"keep_last": 0}}"#) == "checkpoints.keep_last")
        #expect(field(sft + #""checkpoints": {"keep_last": 2.5}}"#) == "checkpoints.keep_last")
        #expect(field(sft + #""checkpoints": {"keep": 2}}"#) == "checkpoints.keep")
        #expect(field(sft + #""checkpoints": 2}"#) == "checkpoints")
        let tabular = #"{"algorithm": "nash_mp", "task": {"kind": "tabular", "preference_matrix": [[0.5, 0.5], [0.5, 0.5]], "reference": [0.5, 0.5]}, "hyperparameters": {"beta": 0.1, "iterations": 5}, "checkpoints": {"keep_last": 2}}"#
        #expect(field(tabular) == "checkpoints")
    }
}
