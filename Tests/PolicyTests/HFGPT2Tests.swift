import Policy
import Testing

/// The GPT2LMHeadModel mapping: Conv1D weights transposed, names prefixed, config fields checked by name.
@Suite struct HFGPT2Tests {
    let config = GPTConfig(layers: 2, dim: 8, heads: 2, context: 16, vocab: 259)

    @Test func exportedWeightsImportBackExactly() throws {
        let model = try GPT(config: config, seed: 5)
        let bytes = HFGPT2Weights.safetensors(model)
        let header = try Safetensors.Header(bytes: bytes)
        #expect(header.shapes["transformer.h.0.attn.c_attn.weight"] == [8, 24])  // [in, out]
        #expect(header.shapes["transformer.h.1.mlp.c_proj.weight"] == [32, 8])
        #expect(header.metadata["format"] == "pt")
        let back = try HFGPT2Weights.load(bytes, config: config)
        #expect(back.parameters.array == model.parameters.array)
        let tokens: [Int32] = [256, 72, 105, 33]
        #expect(try back.logits(tokens: tokens, batch: 1, time: 4) == model.logits(tokens: tokens, batch: 1, time: 4))
    }

    @Test func archiveRoundTripsWithItsTokenizer() throws {
        let model = try GPT(config: config, seed: 6)
        let tokenizer = try #require(BPETokenizer.byteLevel())
        let folder = try HFModelFolder(archive: HFModelFolder.archive(model: model, tokenizer: tokenizer))
        #expect(folder.config == config)
        #expect(try folder.model().parameters.array == model.parameters.array)
        #expect(folder.tokenizer.encode("héllo", bos: true, eos: true) == ByteTokenizer().encode("héllo", bos: true, eos: true))
    }

    @Test func configFieldsAreCheckedByName() throws {
        let good = String(decoding: HFGPT2Config.json(config, bos: 257, eos: 257), as: UTF8.self)
        #expect(try HFGPT2Config.read(Array(good.utf8)) == config)
        let cases: [(String, String, String)] = [
            ("\"gelu_new\"", "\"gelu\"", "config.activation_function"),
            ("\"model_type\":\"gpt2\"", "\"model_type\":\"llama\"", "config.model_type"),
            ("\"n_head\":2", "\"n_head\":3", "config.n_head"),
            ("\"n_inner\":null", "\"n_inner\":20", "config.n_inner"),
            ("\"tie_word_embeddings\":true", "\"tie_word_embeddings\":false", "config.tie_word_embeddings"),
            ("\"scale_attn_by_inverse_layer_idx\":false", "\"scale_attn_by_inverse_layer_idx\":true", "config.scale_attn_by_inverse_layer_idx"),
            ("\"n_positions\":16", "\"n_positions\":1.5", "config.n_positions"),
        ]
        for (from, to, field) in cases {
            #expect(good.contains(from))
            #expect { try HFGPT2Config.read(Array(good.replacingOccurrences(of: from, with: to).utf8)) } throws: { error in
                (error as? HFImportError)?.field == field
            }
        }
    }
}
