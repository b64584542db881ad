import Foundation
import StrictJSON
import Testing

/// The body reader must accept what `JSONSerialization` accepts and produce the same values, except where it is
/// stricter on purpose: trailing commas, duplicate keys, NUL in strings, nesting deeper than 64.
@Suite struct JSONReaderTests {
    static let valid = [
        #"{}"#, #"[]"#, #" {"a": 1} "#, #"{"a":[1,2,{"b":null}],"c":"d"}"#, #"0"#, #"-0"#, #"12"#, #"-12.5e3"#, #"1E+2"#, #"1e-2"#,
        #"true"#, #"false"#, #"null"#, #""plain""#, #""esc \" \\ \/ \b \f \n \r \t""#, #""\u00e9\u4e2d\ud83d\udc4b""#,
        #""é 👋""#, #"[[[[[]]]]]"#, #"{"a":1,"b":{"a":2}}"#, #"9223372036854775807"#, #"-9223372036854775808"#,
        #"9223372036854775808"#, #"123456789012345678901234567890"#, #"0.1"#,
        #"{"prompt":"Explain, 1","response_a":"A.","response_b":"B.","choice":"a","strength":2,"time_spent_ms":4310}"#,
        "\t\r\n[1,\n2]\n",
    ]
    static let invalid = [
        "", " ", "{", "}", "{\"a\" 1}", "{a:1}", "[1 2]", "01", "-", "+1", "1.", ".5", "1e", "1e+",
        "NaN", "Infinity", "-Infinity", "tru", "nul", "truee", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud83d\"", "\"\\udc4b\"",
        "\"a\u{01}b\"", "[1]]", "{} {}", "'a'", "[,1]", "{\"a\":}", "\"\\ud83d\\u0041\"", "1e400", "-1e400",
    ]

    /// What `JSONSerialization` reads from `text`, as a `JSONValue` (nil when it refuses it).
    func reference(_ text: String) -> JSONValue? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])).flatMap(Self.value)
    }

    /// Foundation's values as `JSONValue`s. Its booleans are NSNumbers too, told apart here (only here) by their
    /// type encoding; its long literals are decimals, whose nearest Double is taken from their exact digits.
    static func value(_ any: Any) -> JSONValue? {
        switch any {
        case is NSNull: return .null
        case let decimal as NSDecimalNumber: return Double(decimal.stringValue).map(JSONValue.number)
        case let number as NSNumber:
            return String(cString: number.objCType) == "c" ? .bool(number.boolValue) : .number(number.doubleValue)
        case let string as String: return .string(string)
        case let array as [Any]:
            let values = array.compactMap(Self.value)
            return values.count == array.count ? .array(values) : nil
        case let object as [String: Any]:
            let values = object.compactMapValues(Self.value)
            return values.count == object.count ? .object(values) : nil
        default: return nil
        }
    }

    @Test(arguments: valid) func readsWhatJSONSerializationReads(text: String) throws {
        let ours = try JSONReader.read(Array(text.utf8))
        let theirs = try #require(reference(text), "JSONSerialization refuses \(text)")
        #expect(ours == theirs, "\(text)")
    }

    @Test(arguments: invalid) func refusesWhatJSONSerializationRefuses(text: String) {
        #expect(reference(text) == nil, "JSONSerialization accepts \(text)")
        #expect(throws: JSONReadError.self, "\(text)") { try JSONReader.read(Array(text.utf8)) }
    }

    /// RFC 8259 has no trailing commas; JSONSerialization lets them through, the reader does not.
    @Test func trailingCommasAreRefused() {
        for text in ["[1,]", "{\"a\":1,}", "[1,\n]"] {
            #expect(reference(text) != nil)
            #expect(throws: JSONReadError.self, "\(text)") { try JSONReader.read(Array(text.utf8)) }
        }
    }

    /// Booleans stay booleans and numbers numbers, as the field validators tell them apart.
    @Test func numbersAndBooleansKeepTheirKind() throws {
        let value = try JSONReader.read(Array(#"{"t":true,"f":false,"i":3,"one":1,"d":3.5,"big":1e300,"long":12345678901234567}"#.utf8))
        #expect(value["t"] == .bool(true))
        #expect(value["f"] == .bool(false))
        #expect(value["i"] == .number(3))
        #expect(value["one"] == .number(1))
        #expect(value["d"] == .number(3.5))
        #expect(value["big"] == .number(1e300))
        #expect(value["long"] == .number(12_345_678_901_234_568))  // the nearest Double to 12345678901234567
    }

    /// Deep nesting is refused, not recursed into until the stack runs out.
    @Test func deepNestingIsRefused() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONReadError.self) { try JSONReader.read(Array(deep.utf8)) }
    }

    /// Mutations of valid bodies (a byte changed, dropped or doubled): accepted exactly when
    /// JSONSerialization accepts them (trailing commas aside), with the same value.
    @Test func agreesWithJSONSerializationOnMutations() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        let alphabet = Array(#"{}[],:"\ -+.eE0123456789tfnulrsa"#.utf8)
        var disagreements: [String] = []
        for round in 0..<4000 {
            var bytes = Array(Self.valid[round % Self.valid.count].utf8)
            guard !bytes.isEmpty else { continue }
            let at = next() % bytes.count
            switch next() % 3 {
            case 0: bytes[at] = alphabet[next() % alphabet.count]
            case 1: bytes.remove(at: at)
            default: bytes.insert(bytes[at], at: at)
            }
            guard let text = String(validating: bytes, as: UTF8.self) else { continue }
            let theirs = reference(text)
            let ours: JSONValue?
            do throws(JSONReadError) { ours = try JSONReader.read(bytes) } catch where error.kind != .syntax { continue } catch { ours = nil }
            let trailingComma = text.range(of: #",\s*[\]}]"#, options: .regularExpression) != nil
            if ours == nil, theirs != nil, trailingComma { continue }
            if (theirs == nil) != (ours == nil) {
                disagreements.append(text)
            } else if let ours, let theirs, ours != theirs {
                disagreements.append(text)
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
    }

    /// A key given twice is refused wherever it is, naming it: "last one wins" let `{"text":"\u0000","text":"ok"}`
    /// pass a check on one value and store another (that body is now refused at its first fault, the NUL).
    /// Fails before the fix: the body was read, the last value kept.
    @Test func duplicateKeysAreRefusedWithTheirPath() {
        let cases = [
            (#"{"text":"no","text":"ok"}"#, "text"),
            (#"{"items":[{"a":1},{"b":2,"b":2}]}"#, "items[1].b"),
            (#"{"a":{"x":1,"y":{"z":[],"z":[]}}}"#, "a.y.z"),
        ]
        for (text, path) in cases {
            #expect(throws: JSONReadError.self) { try JSONReader.read(Array(text.utf8)) }
            do throws(JSONReadError) {
                _ = try JSONReader.read(Array(text.utf8))
            } catch {
                #expect(error.kind == .duplicateKey, "\(text)")
                #expect(error.path == path, "\(text)")
            }
        }
        // The same key in different objects is fine.
        #expect((try? JSONReader.read(Array(#"[{"a":1},{"a":2}]"#.utf8))) != nil)
    }

    /// `\u0000` anywhere is refused, naming the value that holds it (PostgreSQL cannot store it).
    @Test func nulIsRefusedWithItsPath() {
        for (text, path) in [(#"{"items":[{"ok":"x"},{"chosen":"a\u0000b"}]}"#, "items[1].chosen"), (#"["\u0000"]"#, "[0]"),
                             (#""\u0000""#, "")] {
            do throws(JSONReadError) {
                _ = try JSONReader.read(Array(text.utf8))
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.kind == .nul, "\(text)")
                #expect(error.path == path, "\(text)")
            }
        }
        #expect((try? JSONReader.read(Array(#""\u0001""#.utf8))) == .string("\u{01}"))
    }

    /// 64 nested containers are read; a 65th is refused as too deep (not as a syntax error), naming where.
    @Test func nestingStopsAtSixtyFour() throws {
        func nested(_ depth: Int) -> [UInt8] { Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8) }
        _ = try JSONReader.read(nested(64))
        do throws(JSONReadError) {
            _ = try JSONReader.read(nested(65))
            Issue.record("65 levels accepted")
        } catch {
            #expect(error.kind == .tooDeep)
            #expect(error.path == String(repeating: "[0]", count: 64))
        }
        do throws(JSONReadError) {
            _ = try JSONReader.read(Array(#"{"a":[{"b":1}]}"#.utf8), maxDepth: 2)
            Issue.record("3 levels accepted with a limit of 2")
        } catch {
            #expect(error.kind == .tooDeep)
            #expect(error.path == "a[0]")
        }
    }
}
