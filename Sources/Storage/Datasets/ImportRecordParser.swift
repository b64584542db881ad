/// Reads one decoded JSONL record as a preference, collecting every field error.
struct ImportRecordParser {
    let line: Int
    private(set) var errors: [ImportLineError] = []

    init(line: Int) {
        self.line = line
    }

    /// The preference in `value`, or nil with `errors` filled in.
    mutating func parse(_ value: JSONValue) -> ImportedPreference? {
        guard case .object(let fields) = value else {
            fail(nil, "expected a JSON object, got \(value.typeName)")
            return nil
        }
        guard let chosen = required(fields, "chosen"), let rejected = required(fields, "rejected") else {
            _ = required(fields, "rejected")  // report both when both are missing
            return nil
        }
        switch chosen {
        case .string(let text):
            return parseStrings(chosen: text, rejected: rejected, prompt: fields["prompt"])
        case .array:
            return parseConversation(chosen: chosen, rejected: rejected, prompt: fields["prompt"])
        default:
            fail("chosen", "expected a string or a list of messages, got \(chosen.typeName)")
            return nil
        }
    }

    // MARK: - String rows (TRL standard, implicit prompt, Anthropic HH)

    private mutating func parseStrings(chosen: String, rejected rejectedValue: JSONValue,
                                       prompt promptValue: JSONValue?) -> ImportedPreference? {
        let rejected = nonEmptyString(rejectedValue, "rejected", like: "like chosen")
        let chosenOK = notBlank(chosen, "chosen")
        let prompt = promptValue.map { nonEmptyString($0, "prompt", like: "like chosen") }
        guard errors.isEmpty, chosenOK, let rejected else { return nil }
        guard chosen != rejected else {
            fail("rejected", "is identical to chosen")
            return nil
        }
        if let prompt {
            guard let prompt else { return nil }
            return ImportedPreference(line: line, prompt: prompt, chosen: chosen, rejected: rejected, format: .standard)
        }
        let transcripts = PromptSplitting.areTranscripts(chosen, rejected)
        let split = transcripts
            ? PromptSplitting.splitTranscripts(chosen, rejected)
            : PromptSplitting.splitAtWord(chosen, rejected)
        guard let split else {
            fail("prompt", transcripts
                 ? #"is missing, and chosen and rejected share no "\n\nAssistant:" turn to split it off at"#
                 : "is missing, and chosen and rejected share no leading words to use as one")
            return nil
        }
        let chosenOK2 = notBlank(split.chosen, "chosen", "is empty once the shared prompt is removed")
        let rejectedOK2 = notBlank(split.rejected, "rejected", "is empty once the shared prompt is removed")
        guard chosenOK2, rejectedOK2 else { return nil }
        return ImportedPreference(line: line, prompt: split.prompt, chosen: split.chosen, rejected: split.rejected,
                                  format: transcripts ? .anthropicHH : .implicitPrompt)
    }

    // MARK: - Conversational rows

    private mutating func parseConversation(chosen chosenValue: JSONValue, rejected rejectedValue: JSONValue,
                                            prompt promptValue: JSONValue?) -> ImportedPreference? {
        let chosen = messages(chosenValue, "chosen")
        let rejected = messages(rejectedValue, "rejected")
        let prompt = promptValue.map { messages($0, "prompt") }
        guard errors.isEmpty, let chosen, let rejected else { return nil }
        let promptMessages: [ChatMessage]
        let chosenReply: ChatMessage, rejectedReply: ChatMessage
        if let prompt {
            let chosenOne = singleReply(chosen, "chosen")
            let rejectedOne = singleReply(rejected, "rejected")
            guard let prompt, let chosenOne, let rejectedOne else { return nil }
            (promptMessages, chosenReply, rejectedReply) = (prompt, chosenOne, rejectedOne)
        } else {
            // Implicit prompt: everything before the final turn, which must be the same in both.
            let chosenLast = finalReply(chosen, "chosen")
            let rejectedLast = finalReply(rejected, "rejected")
            guard let chosenLast, let rejectedLast else { return nil }
            guard chosen.count >= 2 else {
                fail("prompt", "is missing, and chosen holds no messages before its final assistant turn")
                return nil
            }
            guard chosen.dropLast() == rejected.dropLast() else {
                fail("rejected", "must repeat chosen's conversation up to the final assistant message")
                return nil
            }
            (promptMessages, chosenReply, rejectedReply) = (Array(chosen.dropLast()), chosenLast, rejectedLast)
        }
        let replyPath = prompt == nil ? "[\(chosen.count - 1)]" : "[0]"
        let chosenOK = notBlank(chosenReply.content, "chosen\(replyPath).content")
        let rejectedOK = notBlank(rejectedReply.content, "rejected\(prompt == nil ? "[\(rejected.count - 1)]" : "[0]").content")
        let rendered = ConversationRendering.prompt(promptMessages)
        let promptOK = notBlank(rendered, "prompt", "has no text")
        guard chosenOK, rejectedOK, promptOK else { return nil }
        guard chosenReply.content != rejectedReply.content else {
            fail("rejected", "is identical to chosen")
            return nil
        }
        return ImportedPreference(line: line, prompt: rendered, chosen: chosenReply.content,
                                  rejected: rejectedReply.content, promptMessages: promptMessages,
                                  format: prompt == nil ? .conversationalImplicitPrompt : .conversational)
    }

    /// Explicit-prompt completions: exactly one assistant message.
    private mutating func singleReply(_ list: [ChatMessage], _ field: String) -> ChatMessage? {
        guard list.count == 1 else {
            fail(field, "expected exactly one assistant message, got \(list.count)")
            return nil
        }
        return finalReply(list, field)
    }

    private mutating func finalReply(_ list: [ChatMessage], _ field: String) -> ChatMessage? {
        guard let last = list.last, last.role == "assistant" else {
            fail("\(field)[\(list.count - 1)].role", #"expected "assistant" for the final message, got "\#(list.last?.role ?? "")""#)
            return nil
        }
        return last
    }

    private mutating func messages(_ value: JSONValue, _ field: String) -> [ChatMessage]? {
        guard case .array(let elements) = value else {
            fail(field, "expected a list of messages like chosen, got \(value.typeName)")
            return nil
        }
        guard !elements.isEmpty else {
            fail(field, "is an empty list of messages")
            return nil
        }
        var result: [ChatMessage] = []
        for (index, element) in elements.enumerated() {
            let path = "\(field)[\(index)]"
            guard case .object(let message) = element else {
                fail(path, "expected a message object, got \(element.typeName)")
                continue
            }
            let role = message["role"].map { nonEmptyString($0, "\(path).role", like: "") } ?? missing("\(path).role")
            let content: String?
            switch message["content"] {
            case .string(let text)?: content = text
            case nil: content = missing("\(path).content")
            case let other?:
                fail("\(path).content", "expected a string, got \(other.typeName)")
                content = nil
            }
            if let role, let content { result.append(ChatMessage(role: role, content: content)) }
        }
        return result.count == elements.count ? result : nil
    }

    // MARK: - Field checks

    private mutating func required(_ fields: [String: JSONValue], _ name: String) -> JSONValue? {
        if let value = fields[name] { return value }
        if !errors.contains(where: { $0.field == name }) { fail(name, "is missing") }
        return nil
    }

    private mutating func missing(_ field: String) -> String? {
        fail(field, "is missing")
        return nil
    }

    private mutating func nonEmptyString(_ value: JSONValue, _ field: String, like: String) -> String? {
        guard case .string(let text) = value else {
            fail(field, "expected a string\(like.isEmpty ? "" : " " + like), got \(value.typeName)")
            return nil
        }
        return notBlank(text, field) ? text : nil
    }

    /// Whitespace-only text counts as empty: it cannot be shown or trained on.
    private mutating func notBlank(_ text: String, _ field: String, _ message: String = "is empty") -> Bool {
        if text.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
            fail(field, message)
            return false
        }
        return true
    }

    private mutating func fail(_ field: String?, _ message: String) {
        errors.append(ImportLineError(line: line, field: field, message: message))
    }
}
