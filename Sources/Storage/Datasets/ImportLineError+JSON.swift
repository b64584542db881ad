import StrictJSON

extension ImportLineError {
    /// A line the JSON reader refused, naming the field where it can.
    init(_ error: JSONReadError, line: Int) {
        let field = error.path.isEmpty ? nil : error.path
        switch error.kind {
        case .syntax:
            self.init(line: line, field: nil, message: "invalid JSON")
        case .nul:
            self.init(line: line, field: field, message: "must not contain NUL (U+0000)")
        case .duplicateKey:
            self.init(line: line, field: field, message: "is given more than once in its object", unreadable: .duplicateKey)
        case .tooDeep:
            self.init(line: line, field: field,
                      message: "nests arrays and objects more than \(JSONReader.defaultMaxDepth) deep", unreadable: .tooDeep)
        }
    }
}
