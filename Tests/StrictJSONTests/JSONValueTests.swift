import StrictJSON
import Testing

/// How stored JSON (a run's request and result) is written and read back.
@Suite struct JSONValueTests {
    /// JSON has no NaN or infinity: a diverged number becomes null and the rest of the document survives.
    @Test func nonFiniteNumbersBecomeNull() {
        let value = JSONValue.object(["kl": .number(.infinity), "gap": .number(.nan), "steps": .number(3), "policy": .array([.number(0.25)])])
        #expect(value.text == #"{"gap":null,"kl":null,"policy":[0.25],"steps":3}"#)
        #expect(JSONValue(text: value.text)["steps"] == .number(3))
    }

    /// Written text reads back as the same value: strings through the one escaper, numbers in their shortest form.
    @Test func writtenTextReadsBack() throws {
        let value = JSONValue.object([
            "s": .string("quote \" backslash \\ slash / tab \t nl \n ctl \u{01} é 👋"), "t": .bool(true), "f": .bool(false), "n": .null,
            "x": .array([.number(0.1), .number(-2.5e-7), .number(1e300), .number(-3), .number(123_456_789_012_345)]),
        ])
        #expect(try JSONReader.read(value.bytes) == value)
        #expect(value.text.contains(#""quote \" backslash \\ slash / tab \t nl \n ctl \u0001 é 👋""#))
        #expect(value.text.contains("[0.1,-2.5e-07,1e+300,-3,123456789012345]"))
    }

    /// Stored text the reader refuses (never written by us) reads as null rather than failing a listing.
    @Test func unreadableTextIsNull() {
        #expect(JSONValue(text: "{") == .null)
        #expect(JSONValue(text: "") == .null)
    }
}
