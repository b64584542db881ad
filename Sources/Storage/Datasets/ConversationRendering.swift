/// Renders conversational prompts as the single prompt text PrefLab stores.
public enum ConversationRendering {
    /// A lone user message is its own text, so a conversational export of a plain
    /// prompt imports back unchanged. Longer prompts become an HH-style transcript
    /// (`\n\nHuman: …\n\nAssistant: …`), the one multi-turn text layout the
    /// preference ecosystem already reads; the messages themselves are kept too.
    public static func prompt(_ messages: [ChatMessage]) -> String {
        if messages.count == 1, messages[0].role == "user" { return messages[0].content }
        return messages.map { "\n\n\(label($0.role)): \($0.content)" }.joined()
    }

    private static func label(_ role: String) -> String {
        switch role {
        case "user": "Human"
        case "assistant": "Assistant"
        default: role.prefix(1).uppercased() + role.dropFirst()
        }
    }
}
