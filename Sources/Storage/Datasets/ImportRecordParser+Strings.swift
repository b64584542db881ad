/// String rows: TRL standard (explicit or implicit prompt) and Anthropic HH transcripts.
extension ImportRecordParser {
    mutating func parseStrings(chosen: String, rejected rejectedValue: JSONValue,
                               prompt promptValue: JSONValue?) -> ImportedPreference? {
        let rejected = nonEmptyString(rejectedValue, "rejected", like: "like chosen")
        let chosenOK = notBlank(chosen, "chosen")
        let prompt = promptValue.map { nonEmptyString($0, "prompt", like: "like chosen") }
        guard errors.isEmpty, chosenOK, let rejected else { return nil }
        guard chosen != rejected else {
            fail("rejected", "is identical to chosen")
            return nil
        }
        // `prompt` is nil when absent; present but invalid already returned above.
        if case .some(.some(let explicit)) = prompt {
            return ImportedPreference(line: line, prompt: explicit, chosen: chosen, rejected: rejected, format: .standard)
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
}
