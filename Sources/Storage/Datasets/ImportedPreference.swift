public import StrictJSON

/// One chat message of a conversational dataset row.
public struct ChatMessage: Codable, Sendable, Equatable {
    /// `system`, `user`, `assistant`, or another role the dataset uses.
    public var role: String
    /// The message text.
    public var content: String

    /// Creates a message.
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Which accepted layout a row was read as.
public enum ImportFormat: String, Sendable, Equatable {
    /// TRL standard, explicit prompt: `prompt`, `chosen`, `rejected` strings.
    case standard
    /// TRL standard, implicit prompt: `chosen` and `rejected` strings sharing a prefix.
    case implicitPrompt = "implicit_prompt"
    /// Anthropic HH transcripts: `chosen` and `rejected` strings with `\n\nHuman:`/`\n\nAssistant:` turns.
    case anthropicHH = "anthropic_hh"
    /// UltraFeedback-binarized: a `prompt` string beside `chosen` and `rejected` full conversations.
    case ultrafeedback
    /// TRL conversational, explicit prompt: message lists for all three fields.
    case conversational
    /// TRL conversational, implicit prompt: `chosen` and `rejected` full conversations.
    case conversationalImplicitPrompt = "conversational_implicit_prompt"
}

/// A preference read from an imported dataset: a prompt and the better and worse response.
public struct ImportedPreference: Sendable, Equatable {
    /// The 1-based line of the file it came from.
    public var line: Int
    /// The prompt text. For string rows with an implicit prompt, `prompt + chosen`
    /// reproduces the original `chosen` exactly.
    public var prompt: String
    /// The preferred response.
    public var chosen: String
    /// The dispreferred response.
    public var rejected: String
    /// The prompt as messages, for conversational rows (the `prompt` text is their rendering).
    public var promptMessages: [ChatMessage]?
    /// How the row was read.
    public var format: ImportFormat
    /// The line's other top-level keys (`score_chosen`, `prompt_id`, …), or nil when it has none.
    public var metadata: [String: JSONValue]?

    /// Creates an imported preference.
    public init(line: Int, prompt: String, chosen: String, rejected: String,
                promptMessages: [ChatMessage]? = nil, format: ImportFormat, metadata: [String: JSONValue]? = nil) {
        self.metadata = metadata
        self.line = line
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
        self.promptMessages = promptMessages
        self.format = format
    }
}

/// A problem with one line of an imported file.
public struct ImportLineError: Sendable, Equatable {
    /// The 1-based line number.
    public var line: Int
    /// The field at fault (`chosen`, `chosen[1].content`, …), or nil for the whole line.
    public var field: String?
    /// What is wrong, for a human.
    public var message: String
    /// Set when the reader could not take the line at all (a duplicate key, too deep a nesting): the API
    /// answers those as it answers such a request body. Nil for ordinary invalid lines, and for syntax errors.
    public var unreadable: JSONReadError.Kind?

    /// Creates an error.
    public init(line: Int, field: String?, message: String, unreadable: JSONReadError.Kind? = nil) {
        self.line = line
        self.field = field
        self.message = message
        self.unreadable = unreadable
    }
}

/// Why an import produced no rows: every problem found, in line order.
public struct PreferenceImportFailure: Error, Sendable, Equatable {
    /// The problems, at most `PreferenceImportLimits.maxErrors` of them.
    public var errors: [ImportLineError]
    /// True when more problems existed than were collected.
    public var truncated: Bool

    /// Creates a failure.
    public init(errors: [ImportLineError], truncated: Bool) {
        self.errors = errors
        self.truncated = truncated
    }
}

/// Bounds on an import, so a hostile or mistaken upload cannot exhaust memory.
public struct PreferenceImportLimits: Sendable, Equatable {
    /// The longest accepted line in bytes, without its line break.
    public var maxLineBytes: Int
    /// The most lines (blank ones included) a file may have.
    public var maxLines: Int
    /// Collection stops after this many errors; the rest of the file is still not imported.
    public var maxErrors: Int

    /// Creates limits; defaults are 1 MiB lines, 100 000 lines, 1 000 errors.
    public init(maxLineBytes: Int = 1 << 20, maxLines: Int = 100_000, maxErrors: Int = 1_000) {
        self.maxLineBytes = maxLineBytes
        self.maxLines = maxLines
        self.maxErrors = maxErrors
    }
}

extension ChatMessage {
    /// Messages as the stores keep them: a JSON array of `{"content", "role"}` objects.
    static func storedText(_ messages: [ChatMessage]?) -> SQLValue {
        guard let messages else { return .null }
        return .text(JSONValue.array(messages.map { .object(["role": .string($0.role), "content": .string($0.content)]) }).text)
    }

    /// Messages read back from `storedText`; nil for NULL (a plain-text prompt).
    static func stored(_ value: SQLValue) -> [ChatMessage]? {
        guard let text = value.string, case .array(let elements) = JSONValue(text: text) else { return nil }
        return elements.compactMap { element in
            guard case .string(let role)? = element["role"], case .string(let content)? = element["content"] else { return nil }
            return ChatMessage(role: role, content: content)
        }
    }
}
