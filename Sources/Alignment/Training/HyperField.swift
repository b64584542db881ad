/// A hyperparameter value as it arrives from JSON.
public enum HyperValue: Sendable, Equatable, Codable {
    case number(Double), string(String), bool(Bool)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Booleans first: a JSON number never decodes as a Bool, but `true` must not become 1.
        if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else {
            throw DecodingError.typeMismatch(HyperValue.self, .init(codingPath: decoder.codingPath,
                                                                    debugDescription: "must be a number, a string or a boolean"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let x): try container.encode(x)
        case .string(let s): try container.encode(s)
        case .bool(let b): try container.encode(b)
        }
    }
}

/// A rejected training configuration, naming the offending field (`"algorithm"`, `"hyperparameters.beta"`,
/// `"data"`, `"resume"`, ...): the path inside the training spec, which the service layer reports as is.
public struct TrainingSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Dotted path of the field at fault.
    public var field: String
    /// What is wrong with it.
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// How one hyperparameter's value is checked.
enum HyperRule: Sendable {
    /// A finite number in `range` (`openLow`: strictly above the lower bound).
    case number(ClosedRange<Double>, openLow: Bool)
    /// A whole number in `minimum...maximum`.
    case count(minimum: Int, maximum: Int)
    /// One of the listed strings.
    case choice([String])
    /// `true` or `false`.
    case flag

    func check(_ value: HyperValue, field: String) throws(TrainingSpecError) {
        switch (self, value) {
        case let (.number(range, openLow), .number(x)):
            guard x.isFinite else { throw TrainingSpecError(field: field, message: "must be a finite number") }
            guard range.contains(x), !(openLow && x == range.lowerBound) else {
                let low = openLow ? "> \(range.lowerBound)" : "≥ \(range.lowerBound)"
                let high = range.upperBound < .greatestFiniteMagnitude ? " and ≤ \(range.upperBound)" : ""
                throw TrainingSpecError(field: field, message: "must be \(low)\(high), got \(x)")
            }
        case let (.count(minimum, maximum), .number(x)):
            guard x.isFinite, x == x.rounded(), x >= Double(minimum), x <= Double(maximum) else {
                throw TrainingSpecError(field: field, message: "must be a whole number in \(minimum)...\(maximum)")
            }
        case let (.choice(options), .string(s)):
            guard options.contains(s) else {
                throw TrainingSpecError(field: field, message: "must be one of \(options.joined(separator: ", ")), got '\(s)'")
            }
        case (.number, _), (.count, _):
            throw TrainingSpecError(field: field, message: "must be a number")
        case (.flag, .bool):
            break
        case (.choice, _):
            throw TrainingSpecError(field: field, message: "must be a string")
        case (.flag, _):
            throw TrainingSpecError(field: field, message: "must be true or false")
        }
    }
}

/// One named hyperparameter of a typed set: its JSON key, its rule, and where it lives in the set. Reading
/// (with validation) and writing back go through the same entry, so a set's keys, rules and fields are
/// declared once, in its `fields` list.
struct HyperField<Root> {
    let key: String
    let rule: HyperRule
    let read: (inout Root, HyperValue) -> Void
    let write: (Root) -> HyperValue

    /// A number > `low` (default: > 0) and ≤ `max`.
    static func positive(_ key: String, _ path: WritableKeyPath<Root, Double>, max: Double = .greatestFiniteMagnitude) -> Self {
        number(key, path, .number(0...max, openLow: true))
    }

    /// A number in [0, `max`].
    static func fraction(_ key: String, _ path: WritableKeyPath<Root, Double>, max: Double = 1) -> Self {
        number(key, path, .number(0...max, openLow: false))
    }

    static func number(_ key: String, _ path: WritableKeyPath<Root, Double>, _ rule: HyperRule) -> Self {
        HyperField(key: key, rule: rule, read: { root, value in
            if case .number(let x) = value { root[keyPath: path] = x }
        }, write: { .number($0[keyPath: path]) })
    }

    /// A whole number; `maximum` bounds what a count costs in memory: sizes of one batch or one iteration's
    /// data are capped well below what would exhaust the machine; step counts only cost time (runs can be cancelled).
    static func count(_ key: String, _ path: WritableKeyPath<Root, Int>, minimum: Int = 1, maximum: Int = 1_000_000) -> Self {
        HyperField(key: key, rule: .count(minimum: minimum, maximum: maximum), read: { root, value in
            if case .number(let x) = value { root[keyPath: path] = Int(x) }
        }, write: { .number(Double($0[keyPath: path])) })
    }

    /// One of an enumeration's raw values.
    static func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ path: WritableKeyPath<Root, E>) -> Self
    where E.RawValue == String {
        HyperField(key: key, rule: .choice(E.allCases.map(\.rawValue)), read: { root, value in
            if case .string(let s) = value, let e = E(rawValue: s) { root[keyPath: path] = e }
        }, write: { .string($0[keyPath: path].rawValue) })
    }

    /// A boolean.
    static func flag(_ key: String, _ path: WritableKeyPath<Root, Bool>) -> Self {
        HyperField(key: key, rule: .flag, read: { root, value in
            if case .bool(let b) = value { root[keyPath: path] = b }
        }, write: { .bool($0[keyPath: path]) })
    }

    /// The same field on a set that holds `Root` at `path` (shared groups such as the optimiser's).
    func lifted<Outer>(_ path: WritableKeyPath<Outer, Root>) -> HyperField<Outer> {
        let read = read, write = write
        return HyperField<Outer>(key: key, rule: rule, read: { outer, value in read(&outer[keyPath: path], value) },
                                 write: { write($0[keyPath: path]) })
    }
}

/// A typed hyperparameter set with its defaults (`init()`) and its fields.
protocol HyperparameterSet: Sendable, Equatable {
    init()
    static var fields: [HyperField<Self>] { get }
    /// Checks across several values; returns warnings for accepted-but-questionable settings.
    func crossCheck() throws(TrainingSpecError) -> [String]
}

extension HyperparameterSet {
    func crossCheck() throws(TrainingSpecError) -> [String] { [] }

    /// `values` over the defaults (or over `base`), every key known and every value checked.
    init(reading values: [String: HyperValue], algorithm: String, base: Self = Self()) throws(TrainingSpecError) {
        self = base
        let fields = Self.fields
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            guard let field = fields.first(where: { $0.key == key }) else {
                let known = fields.map(\.key).sorted().joined(separator: ", ")
                throw TrainingSpecError(field: "hyperparameters.\(key)", message: "unknown hyperparameter for \(algorithm); expected one of \(known)")
            }
            try field.rule.check(value, field: "hyperparameters.\(key)")
            field.read(&self, value)
        }
    }

    /// Every hyperparameter by key.
    var values: [String: HyperValue] {
        Dictionary(uniqueKeysWithValues: Self.fields.map { ($0.key, $0.write(self)) })
    }
}
