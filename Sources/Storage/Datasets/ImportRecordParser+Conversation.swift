/// Conversational rows: lists of `{role, content}` messages, explicit or implicit prompt.
extension ImportRecordParser {
    mutating func parseConversation(chosen chosenValue: JSONValue, rejected rejectedValue: JSONValue,
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
        // The reply is the last message in both layouts (the only one when the prompt is explicit).
        let chosenOK = notBlank(chosenReply.content, "chosen[\(chosen.count - 1)].content")
        let rejectedOK = notBlank(rejectedReply.content, "rejected[\(rejected.count - 1)].content")
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

    /// UltraFeedback-binarized: `prompt` is a string and `chosen`/`rejected` are whole conversations ending in the
    /// assistant's reply. The prompt messages are the conversation before that reply (a lone user turn holding
    /// `prompt` when there is none); a `prompt` text other than their rendering is kept in the metadata.
    mutating func parseUltraFeedback(chosen chosenValue: JSONValue, rejected rejectedValue: JSONValue,
                                     prompt: String) -> ImportedPreference? {
        let chosen = messages(chosenValue, "chosen")
        let rejected = messages(rejectedValue, "rejected")
        guard errors.isEmpty, let chosen, let rejected,
              let chosenLast = finalReply(chosen, "chosen"), let rejectedLast = finalReply(rejected, "rejected")
        else { return nil }
        guard chosen.dropLast() == rejected.dropLast() else {
            fail("rejected", "must repeat chosen's conversation up to the final assistant message")
            return nil
        }
        let promptMessages = chosen.count > 1 ? Array(chosen.dropLast()) : [ChatMessage(role: "user", content: prompt)]
        let rendered = ConversationRendering.prompt(promptMessages)
        let chosenOK = notBlank(chosenLast.content, "chosen[\(chosen.count - 1)].content")
        let rejectedOK = notBlank(rejectedLast.content, "rejected[\(rejected.count - 1)].content")
        let promptOK = notBlank(rendered, "prompt", "has no text")
        guard chosenOK, rejectedOK, promptOK else { return nil }
        guard chosenLast.content != rejectedLast.content else {
            fail("rejected", "is identical to chosen")
            return nil
        }
        return ImportedPreference(line: line, prompt: rendered, chosen: chosenLast.content, rejected: rejectedLast.content,
                                  promptMessages: promptMessages, format: .ultrafeedback,
                                  metadata: rendered == prompt ? nil : ["prompt": .string(prompt)])
    }

    /// Explicit-prompt completions: exactly one assistant message.
    mutating func singleReply(_ list: [ChatMessage], _ field: String) -> ChatMessage? {
        guard list.count == 1 else {
            fail(field, "expected exactly one assistant message, got \(list.count)")
            return nil
        }
        return finalReply(list, field)
    }

    mutating func finalReply(_ list: [ChatMessage], _ field: String) -> ChatMessage? {
        guard let last = list.last, last.role == "assistant" else {
            fail("\(field)[\(list.count - 1)].role", #"expected "assistant" for the final message, got "\#(list.last?.role ?? "")""#)
            return nil
        }
        return last
    }

    mutating func messages(_ value: JSONValue, _ field: String) -> [ChatMessage]? {
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
}
