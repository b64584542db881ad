import Foundation
import Storage
import Testing

/// How stored JSON (a run's request and result) is written and read back.
@Suite struct JSONValueTests {
    /// JSON has no NaN or infinity: a diverged number becomes null and the rest of the document survives.
    @Test func nonFiniteNumbersBecomeNull() {
        let value = JSONValue.object(["kl": .number(.infinity), "gap": .number(.nan), "steps": .number(3), "policy": .array([.number(0.25)])])
        #expect(value.text == #"{"gap":null,"kl":null,"policy":[0.25],"steps":3}"#)
        #expect(JSONValue(text: value.text)["steps"] == .number(3))
    }

    /// Booleans from JSONSerialization-style NSNumbers stay booleans; numbers stay numbers.
    @Test func booleansAreToldFromNumbers() {
        #expect(JSONValue(NSNumber(value: true)) == .bool(true))
        #expect(JSONValue(NSNumber(value: 1)) == .number(1))
        #expect(JSONValue(NSNumber(value: 0.5)) == .number(0.5))
    }
}
