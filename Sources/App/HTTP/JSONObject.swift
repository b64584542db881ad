import StrictJSON

/// A JSON object from a request body (as `JSONReader` read it), read field by field. Every
/// failure is an `AppError` naming the field by its path (`items[2].choice`), and unknown
/// fields are refused where a typo would silently lose data. `null` counts as absent.
struct JSONObject {
    let fields: [String: JSONValue]
    /// Path of this object inside the body, `""` at the top.
    let path: String

    init(fields: [String: JSONValue], path: String) {
        self.fields = fields
        self.path = path
    }

    /// The largest JSON body: the server's default body limit, so only routes that raise theirs
    /// (checkpoint uploads) take more, and none of it as JSON.
    static let maxBytes = 16 * 1024 * 1024

    /// Reads a request body as one JSON value (any kind: callers check for an object with `object`),
    /// refusing an empty, oversized or non-UTF-8 body and whatever the strict reader refuses.
    static func parse(_ body: [UInt8]) throws -> JSONValue {
        guard body.count <= maxBytes else {
            throw AppError(.contentTooLarge, code: "body_too_large", detail: "a JSON body may hold at most \(maxBytes) bytes", field: "")
        }
        guard !body.isEmpty else { throw AppError(.badRequest, code: "empty_body", detail: "the request needs a JSON body", field: "") }
        guard String(validating: body, as: UTF8.self) != nil else {
            throw AppError(.badRequest, code: "invalid_utf8", detail: "the body is not valid UTF-8", field: "")
        }
        do {
            return try JSONReader.read(body)
        } catch {
            throw AppError(error)
        }
    }

    static func object(_ value: JSONValue, path: String) throws -> JSONObject {
        guard case .object(let fields) = value else {
            throw AppError.invalidField(path.isEmpty ? "" : path, "\(path.isEmpty ? "the body" : path) must be a JSON object")
        }
        return JSONObject(fields: fields, path: path)
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The same object without its `null` fields (which count as absent).
    var withoutNulls: JSONObject {
        JSONObject(fields: fields.filter { !$0.value.isNull }, path: path)
    }

    /// Refuses keys outside `allowed`.
    func rejectUnknown(_ allowed: Set<String>) throws {
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw AppError(.unprocessableContent, code: "unknown_field", detail: "unknown field '\(unknown)'", field: name(unknown))
        }
    }

    /// The field's value, or nil when it is absent or `null`.
    func present(_ key: String) -> JSONValue? {
        guard let value = fields[key], !value.isNull else { return nil }
        return value
    }

    func string(_ key: String, required: Bool = false, maxLength: Int = 1_000_000, allowEmpty: Bool = false) throws -> String? {
        guard let value = present(key) else {
            if required { throw AppError.invalidField(name(key), "\(name(key)) is required") }
            return nil
        }
        guard case .string(let text) = value else { throw AppError.invalidField(name(key), "\(name(key)) must be a string") }
        if !allowEmpty && text.isEmpty { throw AppError.invalidField(name(key), "\(name(key)) must not be empty") }
        // Counted in Unicode scalars, as JSON Schema's maxLength counts (openapi.yaml says the same);
        // a text of at most maxLength UTF-8 bytes has at most that many scalars, so most skip the count.
        if text.utf8.count > maxLength, text.unicodeScalars.count > maxLength { throw AppError.invalidField(name(key), "\(name(key)) is longer than \(maxLength) characters") }
        if text.utf8.contains(0) { throw AppError.invalidField(name(key), "\(name(key)) must not contain NUL") }
        return text
    }

    func requiredString(_ key: String, maxLength: Int = 1_000_000) throws -> String {
        guard let text = try string(key, required: true, maxLength: maxLength) else {
            throw AppError.invalidField(name(key), "\(name(key)) is required")
        }
        return text
    }

    func integer(_ key: String, range: ClosedRange<Int>) throws -> Int? {
        guard let value = present(key) else { return nil }
        // Booleans are their own case; a fraction is refused.
        guard case .number(let number) = value, let int = Int(exactly: number) else { throw AppError.invalidField(name(key), "\(name(key)) must be an integer") }
        guard range.contains(int) else {
            throw AppError.invalidField(name(key), "\(name(key)) must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return int
    }

    /// A finite number within `range`.
    func number(_ key: String, range: ClosedRange<Double>) throws -> Double? {
        guard let value = present(key) else { return nil }
        guard case .number(let number) = value, number.isFinite else {
            throw AppError.invalidField(name(key), "\(name(key)) must be a finite number")
        }
        guard range.contains(number) else {
            throw AppError.invalidField(name(key), "\(name(key)) must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return number
    }

    func stringArray(_ key: String, maxCount: Int = 100, maxLength: Int = 200) throws -> [String] {
        guard let value = present(key) else { return [] }
        guard case .array(let array) = value, array.count <= maxCount else {
            throw AppError.invalidField(name(key), "\(name(key)) must be an array of at most \(maxCount) strings")
        }
        return try array.enumerated().map { index, element in
            guard case .string(let text) = element, !text.isEmpty, text.unicodeScalars.count <= maxLength, !text.utf8.contains(0) else {
                throw AppError.invalidField("\(name(key))[\(index)]",
                                            "\(name(key))[\(index)] must be a non-empty string of at most \(maxLength) characters, without NUL")
            }
            return text
        }
    }

    func oneOf(_ key: String, _ allowed: [String], required: Bool) throws -> String? {
        guard let text = try string(key, required: required) else { return nil }
        guard allowed.contains(text) else {
            throw AppError.invalidField(name(key), "\(name(key)) must be one of \(allowed.joined(separator: ", ")), got '\(text)'")
        }
        return text
    }
}
