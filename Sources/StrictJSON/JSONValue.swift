/// A JSON value: what `JSONReader` produces from a request body, an import line or stored JSON, and what the
/// project writes back out (`text`). Booleans and numbers are distinct cases, so a validator never mistakes
/// `true` for `1`. A number is a `Double`: every integer the API accepts (ids, counts, seeds below 2³¹) is
/// exact in it, and `JSONObject.integer` refuses a fraction.
public indirect enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Parses stored JSON text; invalid text becomes `null` (the store only holds what we wrote).
    public init(text: String) {
        self = (try? JSONReader.read(Array(text.utf8))) ?? .null
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        // As `JSONWriter.writeNumber`: NaN and infinities as null, whole numbers without ".0".
        case .number(let value) where !value.isFinite: try container.encodeNil()
        case .number(let value):
            if let int = JSONWriter.wholeNumber(value) { try container.encode(int) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Compact JSON text with sorted keys, for storage.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Compact JSON with sorted keys, as UTF-8.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        return out
    }

    /// Appends compact JSON with sorted keys, through the one escaper and number writer (`JSONWriter`).
    public func write(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let value): JSONWriter.writeNumber(value, into: &out)
        case .string(let value): JSONWriter.writeString(value, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            for (index, key) in fields.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                fields[key]?.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    /// Whether this is `null` (which request fields treat as absent).
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The JSON type's name, for "expected …, got …" messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
