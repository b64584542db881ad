import HTTP1
import StrictJSON

extension AppError {
    /// What a refused JSON body answers. A NUL is a bad value (422, like any invalid field); a duplicate key or
    /// too deep a nesting makes the body ambiguous or too costly to read at all (400).
    init(_ error: JSONReadError) {
        let field = error.path
        let name = field.isEmpty ? "the body" : field
        switch error.kind {
        case .syntax:
            self.init(.badRequest, code: "invalid_json", detail: "the body is not valid JSON (at byte \(error.offset + 1))", field: "")
        case .tooDeep:
            self.init(.badRequest, code: Self.code(.tooDeep),
                      detail: "\(name) nests arrays and objects more than \(JSONReader.defaultMaxDepth) deep", field: field)
        case .duplicateKey:
            self.init(.badRequest, code: Self.code(.duplicateKey), detail: "\(name) is given more than once in its object", field: field)
        case .nul:
            self.init(.unprocessableContent, code: "invalid_field", detail: "\(name) must not contain NUL (U+0000)", field: field)
        }
    }
}

extension AppError {
    /// The problem code of a reader error (a body's or an import line's).
    static func code(_ kind: JSONReadError.Kind) -> String {
        switch kind {
        case .syntax: "invalid_json"
        case .tooDeep: "nesting_too_deep"
        case .duplicateKey: "duplicate_key"
        case .nul: "invalid_field"
        }
    }

    /// A refused JSONL import, listing each bad line: 422 `invalid_import`, or 400 with the reader's code when a
    /// line could not be read at all (`unreadable`: a duplicate key or too deep a nesting), as for a JSON body.
    static func invalidImport(_ errors: [FieldError], truncated: Bool, unreadable: String?) -> AppError {
        AppError(unreadable == nil ? .unprocessableContent : .badRequest, code: unreadable ?? "invalid_import",
                 detail: "\(errors.count)\(truncated ? "+" : "") line(s) are invalid; nothing was imported",
                 field: errors.first?.field, errors: errors)
    }
}
