import Tensor

/// The map between a `GPT2LMHeadModel` state dict and ``ParameterLayout``: the same architecture under other
/// names (`transformer.h.0.attn.c_attn` is `blocks.0.qkv`, …), except that HF's `Conv1D` layers store their
/// weights [in, out], the transpose of a `Linear`'s [out, in] as this project keeps them.
public enum HFGPT2Weights {
    /// HF name (without `transformer.`) of each of our tensors, and whether it is stored transposed.
    public static func names(_ config: GPTConfig) -> [(ours: String, hf: String, transposed: Bool)] {
        var out: [(String, String, Bool)] = [("wte.weight", "wte.weight", false), ("wpe.weight", "wpe.weight", false)]
        for l in 0..<config.layers {
            let p = "blocks.\(l).", h = "h.\(l)."
            out += [(p + "ln1.weight", h + "ln_1.weight", false), (p + "ln1.bias", h + "ln_1.bias", false),
                    (p + "qkv.weight", h + "attn.c_attn.weight", true), (p + "qkv.bias", h + "attn.c_attn.bias", false),
                    (p + "proj.weight", h + "attn.c_proj.weight", true), (p + "proj.bias", h + "attn.c_proj.bias", false),
                    (p + "ln2.weight", h + "ln_2.weight", false), (p + "ln2.bias", h + "ln_2.bias", false),
                    (p + "fc.weight", h + "mlp.c_fc.weight", true), (p + "fc.bias", h + "mlp.c_fc.bias", false),
                    (p + "out.weight", h + "mlp.c_proj.weight", true), (p + "out.bias", h + "mlp.c_proj.bias", false)]
        }
        out += [("lnf.weight", "ln_f.weight", false), ("lnf.bias", "ln_f.bias", false)]
        return out
    }

    /// A model from a `model.safetensors` of `config` (F32, F16 or BF16; names with or without `transformer.`).
    /// Attention-mask buffers (`attn.bias`, `attn.masked_bias`) are ignored; `lm_head.weight`, if present, must
    /// equal the token embedding; any other tensor, or a missing or mis-shaped one, is refused by name.
    public static func load(_ bytes: [UInt8], config: GPTConfig) throws(HFImportError) -> GPT {
        func fail(_ message: String) -> HFImportError { HFImportError("invalid_checkpoint", field: "model.safetensors", message) }
        let header: Safetensors.Header
        do { header = try Safetensors.Header(bytes: bytes) } catch { throw fail(error.message) }
        let model: GPT
        do { model = try GPT(uninitialized: config) } catch { throw HFImportError("model_too_large", field: "config.json", error.message) }
        var entries: [String: Safetensors.Header.Entry] = [:]
        for entry in header.entries {
            let name = entry.name.hasPrefix("transformer.") ? String(entry.name.dropFirst("transformer.".count)) : entry.name
            guard entries[name] == nil else { throw fail("\(name) is given twice (with and without transformer.)") }
            entries[name] = entry
        }
        let shapes = Dictionary(uniqueKeysWithValues: model.layout.entries.map { ($0.name, $0) })
        var used: Set<String> = []
        for (ours, hf, transposed) in names(config) {
            guard let entry = entries[hf], let target = shapes[ours] else { throw fail("missing tensor transformer.\(hf)") }
            let expected = transposed ? [target.shape[1], target.shape[0]] : target.shape
            guard entry.shape == expected else { throw fail("transformer.\(hf) has shape \(entry.shape), expected \(expected)") }
            let values = Safetensors.floats(bytes, header: header, entry: entry)
            guard values.allSatisfy(\.isFinite) else { throw fail("transformer.\(hf) holds NaN or infinity") }
            let out = model.parameters.pointer + target.offset
            if transposed {
                let rows = entry.shape[0], cols = entry.shape[1]  // HF [in, out] → ours [out, in]
                values.withUnsafeBufferPointer { v in
                    for i in 0..<rows { for o in 0..<cols { out[o * rows + i] = v[i * cols + o] } }
                }
            } else {
                out.update(from: values, count: values.count)
            }
            used.insert(hf)
        }
        for (name, entry) in entries.sorted(by: { $0.key < $1.key }) where !used.contains(name) {
            if name.hasSuffix(".attn.bias") || name.hasSuffix(".attn.masked_bias") { continue }
            guard name == "lm_head.weight" else { throw fail("tensor \(name) is not part of a GPT2LMHeadModel") }
            guard let wte = entries["wte.weight"], entry.shape == wte.shape,
                  Safetensors.floats(bytes, header: header, entry: entry) == Safetensors.floats(bytes, header: header, entry: wte)
            else { throw fail("lm_head.weight differs from the token embedding; only tied embeddings are supported") }
        }
        return model
    }

    /// The model's weights as a `model.safetensors` that `GPT2LMHeadModel.from_pretrained` loads (F32, HF names,
    /// Conv1D weights transposed back, `lm_head` left to the tie).
    public static func safetensors(_ model: GPT) -> [UInt8] {
        var file = Safetensors(metadata: ["format": "pt"])
        let layout = Dictionary(uniqueKeysWithValues: model.layout.entries.map { ($0.name, $0) })
        for (ours, hf, transposed) in names(model.config) {
            guard let e = layout[ours] else { continue }
            let p = model.parameters.pointer + e.offset
            if transposed {
                let rows = e.shape[0], cols = e.shape[1]  // ours [out, in] → HF [in, out]
                var values = [Float](repeating: 0, count: e.count)
                for o in 0..<rows { for i in 0..<cols { values[i * rows + o] = p[o * cols + i] } }
                file.tensors["transformer." + hf] = Tensor(shape: [cols, rows], data: values)
            } else {
                file.tensors["transformer." + hf] = Tensor(shape: e.shape, data: Array(UnsafeBufferPointer(start: p, count: e.count)))
            }
        }
        return file.encoded()
    }
}
