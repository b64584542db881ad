package import Foundation

/// Whether a `JSONSerialization`-style NSNumber is a boolean: its type encoding is "c" (char),
/// compared in place because every number of every request body is asked.
package func isBoolean(_ number: NSNumber) -> Bool {
    let type = number.objCType
    return type[0] == CChar(UInt8(ascii: "c")) && type[1] == 0
}

/// A parsed JSON value, decoded strictly so a number is never mistaken for a Bool. Also how stored
/// JSON (a run's request, its result) is embedded in a response as it is rather than re-typed.
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

    /// From `JSONSerialization` output; its booleans are NSNumbers too, told apart by their type encoding (`c`).
    public init(_ value: Any) {
        switch value {
        case let n as NSNumber: self = isBoolean(n) ? .bool(n.boolValue) : .number(n.doubleValue)
        case let s as String: self = .string(s)
        case let a as [Any]: self = .array(a.map(JSONValue.init))
        case let o as [String: Any]: self = .object(o.mapValues(JSONValue.init))
        default: self = .null
        }
    }

    /// Parses stored JSON text; invalid text becomes `null` (the store only holds what we wrote).
    public init(text: String) {
        self = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        // Whole numbers print without ".0" so ids, counts and steps read as integers. JSON has no
        // NaN or infinity: such a number (a diverged metric in a result) is written as null, as
        // stored metrics are, rather than failing the whole document.
        case .number(let value) where !value.isFinite: try container.encodeNil()
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Compact JSON text with sorted keys, for storage.
    public var text: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    /// The JSON type's name, for "expected …, got …" messages.
    var typeName: String {
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
