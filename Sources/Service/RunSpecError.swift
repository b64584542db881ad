import Alignment

/// A run specification that cannot run, naming the field at fault by its path in the request
/// (`hyperparameters.beta`, `task.preference_matrix[1][0]`, `model`). The App answers it with 422.
public struct RunSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}

/// The path of a decoding position as the API names fields: `task.preference_matrix[1][0]`.
func fieldPath(_ path: [any CodingKey]) -> String {
    var out = ""
    for key in path {
        if let index = key.intValue, key.stringValue.hasPrefix("Index") || key.stringValue == String(index) {
            out += "[\(index)]"
        } else {
            out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
        }
    }
    return out
}

/// Any key, for reading objects whose keys are checked against a list.
struct AnyKey: CodingKey, Hashable {
    var stringValue: String
    var intValue: Int?
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// Typed reads of one JSON object with request-style checks: unknown keys refused, strings bounded, numbers
/// range-checked, JSON null read as absent. Every error is a ``RunSpecError`` naming the field's path.
struct SpecObject {
    let container: KeyedDecodingContainer<AnyKey>
    let path: [any CodingKey]

    init(_ decoder: any Decoder) throws {
        container = try decoder.container(keyedBy: AnyKey.self)
        path = decoder.codingPath
    }

    init(_ container: KeyedDecodingContainer<AnyKey>) {
        self.container = container
        path = container.codingPath
    }

    func name(_ key: String) -> String { fieldPath(path + [AnyKey(key)]) }

    func has(_ key: String) -> Bool {
        container.contains(AnyKey(key)) && ((try? container.decodeNil(forKey: AnyKey(key))) == false)
    }

    func rejectUnknown(_ allowed: Set<String>) throws(RunSpecError) {
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !allowed.contains($0) }) {
            throw RunSpecError(name(unknown), "unknown field; expected one of \(allowed.sorted().joined(separator: ", "))")
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ key: String, what: String) throws(RunSpecError) -> T? {
        guard has(key) else { return nil }
        do {
            return try container.decode(T.self, forKey: AnyKey(key))
        } catch let error as RunSpecError {
            throw error
        } catch {
            throw RunSpecError(name(key), "must be \(what)")
        }
    }

    func string(_ key: String, maxLength: Int = 200) throws(RunSpecError) -> String? {
        guard let text = try decode(String.self, key, what: "a string") else { return nil }
        guard text.unicodeScalars.count <= maxLength else { throw RunSpecError(name(key), "must be at most \(maxLength) characters") }
        return text
    }

    func requiredString(_ key: String, maxLength: Int = 200) throws(RunSpecError) -> String {
        guard let text = try string(key, maxLength: maxLength) else { throw RunSpecError(name(key), "is required") }
        guard !text.isEmpty else { throw RunSpecError(name(key), "must not be empty") }
        return text
    }

    func integer(_ key: String, range: ClosedRange<Int>) throws(RunSpecError) -> Int? {
        guard let x = try decode(Double.self, key, what: "a whole number") else { return nil }
        guard x == x.rounded(), x >= Double(range.lowerBound), x <= Double(range.upperBound) else {
            throw RunSpecError(name(key), "must be a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return Int(x)
    }

    func object(_ key: String) throws(RunSpecError) -> SpecObject? {
        guard has(key) else { return nil }
        do {
            return SpecObject(try container.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey(key)))
        } catch {
            throw RunSpecError(name(key), "must be an object")
        }
    }

    /// The object's values as hyperparameters (null values count as absent).
    func hyperparameters() throws(RunSpecError) -> [String: HyperValue] {
        var values: [String: HyperValue] = [:]
        for key in container.allKeys where has(key.stringValue) {
            values[key.stringValue] = try decode(HyperValue.self, key.stringValue, what: "a number, a string or a boolean")
        }
        return values
    }
}
