import StrictJSON
import Tensor

/// A `GPT2LMHeadModel`'s `config.json`, checked field by field against what this project's ``GPT`` computes:
/// pre-norm blocks, tanh-approximated GELU (`gelu_new`), layer-norm epsilon 1e-5, attention scaled by
/// 1/√head_dim, an MLP of 4·n_embd, tied embeddings. A field that would make transformers compute something
/// else is refused by name rather than silently imported.
public enum HFGPT2Config {
    /// The architecture of `bytes` (a `config.json`).
    public static func read(_ bytes: [UInt8]) throws(HFImportError) -> GPTConfig {
        guard case .object(let c)? = try? JSONReader.read(bytes) else {
            throw HFImportError("invalid_hf_config", field: "config.json", "config.json is not a JSON object")
        }
        guard c["model_type"] == .string("gpt2") else {
            throw HFImportError("unsupported_architecture", field: "config.model_type", "only model_type gpt2 (GPT2LMHeadModel) is supported")
        }
        if case .array(let names)? = c["architectures"], !names.contains(.string("GPT2LMHeadModel")) {
            throw HFImportError("unsupported_architecture", field: "config.architectures", "only GPT2LMHeadModel is supported")
        }
        func int(_ key: String, _ range: ClosedRange<Int>) throws(HFImportError) -> Int {
            guard case .number(let n)? = c[key], let value = Int(exactly: n), range.contains(value) else {
                throw .config(key, "\(key) must be an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }
        func flag(_ key: String, default value: Bool) throws(HFImportError) -> Bool {
            switch c[key] {
            case nil, .null?: return value
            case .bool(let b)?: return b
            default: throw .config(key, "\(key) must be a boolean")
            }
        }
        let dim = try int("n_embd", 1...8192), layers = try int("n_layer", 1...256), heads = try int("n_head", 1...256)
        let context = try int("n_positions", 2...65_536), vocab = try int("vocab_size", 2...1_000_000)
        guard dim % heads == 0 else { throw .config("n_head", "n_embd \(dim) is not divisible by n_head \(heads)") }
        if let inner = c["n_inner"], !inner.isNull, inner != .number(Double(4 * dim)) {
            throw .config("n_inner", "n_inner must be null or 4·n_embd (\(4 * dim))")
        }
        switch c["activation_function"] {
        case nil, .string("gelu_new")?, .string("gelu_pytorch_tanh")?: break
        default: throw .config("activation_function", "activation_function must be gelu_new (GELU's tanh approximation)")
        }
        if let eps = c["layer_norm_epsilon"] {
            guard case .number(let e) = eps, abs(e - Double(LayerNorm.eps)) <= 1e-12 else {
                throw .config("layer_norm_epsilon", "layer_norm_epsilon must be 1e-5")
            }
        }
        guard try flag("scale_attn_weights", default: true) else { throw .config("scale_attn_weights", "scale_attn_weights must be true") }
        guard try !flag("scale_attn_by_inverse_layer_idx", default: false) else {
            throw .config("scale_attn_by_inverse_layer_idx", "scale_attn_by_inverse_layer_idx must be false")
        }
        guard try !flag("add_cross_attention", default: false) else { throw .config("add_cross_attention", "add_cross_attention must be false") }
        guard try flag("tie_word_embeddings", default: true) else {
            throw .config("tie_word_embeddings", "tie_word_embeddings must be true (lm_head is the token embedding)")
        }
        return GPTConfig(layers: layers, dim: dim, heads: heads, context: context, vocab: vocab)
    }

    /// The `config.json` `GPT2LMHeadModel.from_pretrained` reads for `config` (dropout off: a checkpoint for inference).
    public static func json(_ config: GPTConfig, bos: Int32, eos: Int32) -> [UInt8] {
        let n = { (x: Int) in JSONValue.number(Double(x)) }
        return JSONValue.object([
            "architectures": .array([.string("GPT2LMHeadModel")]), "model_type": .string("gpt2"),
            "vocab_size": n(config.vocab), "n_positions": n(config.context), "n_ctx": n(config.context),
            "n_embd": n(config.dim), "n_layer": n(config.layers), "n_head": n(config.heads), "n_inner": .null,
            "activation_function": .string("gelu_new"), "layer_norm_epsilon": .number(1e-5),
            "resid_pdrop": .number(0), "embd_pdrop": .number(0), "attn_pdrop": .number(0), "initializer_range": .number(0.02),
            "scale_attn_weights": .bool(true), "scale_attn_by_inverse_layer_idx": .bool(false), "reorder_and_upcast_attn": .bool(false),
            "tie_word_embeddings": .bool(true), "use_cache": .bool(true), "bos_token_id": n(Int(bos)), "eos_token_id": n(Int(eos)),
            "torch_dtype": .string("float32"),
        ]).bytes
    }
}
