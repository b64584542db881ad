/// Why `JSONReader` refused its input, and where.
public struct JSONReadError: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Not JSON (RFC 8259), or not UTF-8 text a JSON string may hold.
        case syntax
        /// Containers nested deeper than the reader's limit.
        case tooDeep
        /// An object names the same key twice; `path` ends at that key.
        case duplicateKey
        /// A string holds U+0000; `path` names the value holding it.
        case nul
    }

    /// One step of a path: an object key or an array index.
    enum Step: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    public let kind: Kind
    /// Byte offset into the input where reading stopped.
    public let offset: Int
    /// The path from the value at fault outwards (errors collect it as they unwind).
    private var steps: [Step] = []

    init(_ kind: Kind, offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    func inside(_ step: Step) -> JSONReadError {
        var copy = self
        copy.steps.append(step)
        return copy
    }

    /// The value at fault as the API names fields: `items[2].chosen`, `chosen[0].content`; `""` for the top level.
    public var path: String {
        var out = ""
        for step in steps.reversed() {
            switch step {
            case .key(let key): out += out.isEmpty ? key : ".\(key)"
            case .index(let index): out += "[\(index)]"
            }
        }
        return out
    }
}
