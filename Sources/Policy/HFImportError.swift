/// Why a Hugging Face folder cannot be imported: a stable `code`, the `field` at fault (`config.n_embd`,
/// `model.safetensors`, `tokenizer.json`, …) and a message fit for an API response.
public struct HFImportError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: String, field: String, message: String
    public init(_ code: String, field: String, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }
    public var description: String { "\(field): \(message)" }

    static func config(_ key: String, _ message: String) -> HFImportError {
        HFImportError("invalid_hf_config", field: "config." + key, message)
    }
}
