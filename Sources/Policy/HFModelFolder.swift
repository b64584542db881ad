/// A Hugging Face `save_pretrained` folder of a `GPT2LMHeadModel` and its tokenizer, read from a tar archive in
/// two steps: ``init(archive:)`` checks the archive, the config and the tokenizer (cheap, so the caller can bound
/// the architecture before anything large is allocated); ``model()`` converts the weights.
public struct HFModelFolder {
    /// The architecture `config.json` declares.
    public let config: GPTConfig
    /// The tokenizer, and the `tokenizer.json` it was read from (or one written from `vocab.json` + `merges.txt`).
    public let tokenizer: BPETokenizer
    public let tokenizerJSON: [UInt8]
    private let weights: [UInt8]

    public init(archive bytes: [UInt8]) throws(HFImportError) {
        var files: [String: [UInt8]]
        do { files = try TarArchive(bytes: bytes).files } catch { throw HFImportError("invalid_archive", field: "body", error.message) }
        // A folder archived with its own name (`tar -cf m.tar gpt2/`) rather than its contents.
        if files["config.json"] == nil {
            let tops = Set(files.keys.compactMap { $0.split(separator: "/").first.map(String.init) })
            if tops.count == 1, let top = tops.first, files[top + "/config.json"] != nil {
                files = Dictionary(uniqueKeysWithValues: files.map { (String($0.key.dropFirst(top.count + 1)), $0.value) })
            }
        }
        guard let configBytes = files["config.json"] else {
            throw HFImportError("invalid_archive", field: "config.json", "the archive has no config.json (tar the save_pretrained folder)")
        }
        config = try HFGPT2Config.read(configBytes)
        guard let weights = files["model.safetensors"] else {
            let why = files["model.safetensors.index.json"] != nil ? "sharded checkpoints are not supported; save with a larger max_shard_size"
                : "the archive has no model.safetensors (save_pretrained with safe_serialization)"
            throw HFImportError("invalid_archive", field: "model.safetensors", why)
        }
        self.weights = weights
        func tokenizerError(_ field: String, _ error: PolicyError) -> HFImportError {
            HFImportError("invalid_tokenizer", field: field, error.message)
        }
        let specials: BPETokenizer.Specials
        do { specials = try BPETokenizer.Specials(tokenizerConfig: files["tokenizer_config.json"]) } catch {
            throw tokenizerError("tokenizer_config.json", error)
        }
        if let json = files["tokenizer.json"] {
            do { tokenizer = try BPETokenizer(tokenizerJSON: json, specials: specials) } catch { throw tokenizerError("tokenizer.json", error) }
            tokenizerJSON = json
        } else if let vocab = files["vocab.json"], let merges = files["merges.txt"] {
            do { tokenizer = try BPETokenizer(vocabJSON: vocab, mergesText: merges, specials: specials) } catch { throw tokenizerError("vocab.json", error) }
            tokenizerJSON = tokenizer.tokenizerJSON()
        } else {
            throw HFImportError("invalid_tokenizer", field: "tokenizer.json", "the archive needs tokenizer.json, or vocab.json and merges.txt")
        }
        guard tokenizer.vocabSize <= config.vocab else {
            throw HFImportError("invalid_tokenizer", field: "tokenizer.json",
                                "the tokenizer has ids up to \(tokenizer.vocabSize - 1), past the model's vocab_size \(config.vocab)")
        }
    }

    /// The model, its weights converted to F32 in this project's layout.
    public func model() throws(HFImportError) -> GPT { try HFGPT2Weights.load(weights, config: config) }

    /// The archive `GPT2LMHeadModel.from_pretrained` and `AutoTokenizer.from_pretrained` load, once extracted:
    /// config.json, model.safetensors, tokenizer.json, vocab.json, merges.txt, tokenizer_config.json,
    /// special_tokens_map.json. `tokenizerJSON` is written as given (an imported model's own file).
    public static func archive(model: GPT, tokenizer: BPETokenizer, tokenizerJSON: [UInt8]? = nil) -> [UInt8] {
        TarArchive(files: [
            "config.json": HFGPT2Config.json(model.config, bos: tokenizer.bosID, eos: tokenizer.eosID),
            "model.safetensors": HFGPT2Weights.safetensors(model),
            "tokenizer.json": tokenizerJSON ?? tokenizer.tokenizerJSON(),
            "vocab.json": tokenizer.vocabJSON(),
            "merges.txt": tokenizer.mergesText(),
            "tokenizer_config.json": tokenizer.tokenizerConfigJSON(maxLength: model.config.context),
            "special_tokens_map.json": tokenizer.specialTokensMapJSON(),
        ]).encoded()
    }
}
