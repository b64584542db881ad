/// Where each named parameter tensor lives inside the model's single flat parameter buffer.
///
/// Names and shapes follow the PyTorch module tree of `Benchmarks/torch_policy_bench.py` (`wte.weight`,
/// `blocks.0.qkv.weight`, ...), so safetensors checkpoints map one-to-one onto a PyTorch state dict.
public struct ParameterLayout: Sendable {
    /// One named tensor: its shape and offset into the flat buffer.
    public struct Entry: Sendable, Equatable {
        /// State-dict name.
        public var name: String
        /// Shape, outermost first (PyTorch `Linear` weights are (out, in)).
        public var shape: [Int]
        /// Offset in floats.
        public var offset: Int
        /// Element count.
        public var count: Int { shape.reduce(1, *) }
    }

    /// Offsets of one block's tensors.
    struct Block: Sendable {
        var ln1w = 0, ln1b = 0, qkvw = 0, qkvb = 0, projw = 0, projb = 0
        var ln2w = 0, ln2b = 0, fcw = 0, fcb = 0, outw = 0, outb = 0
    }

    /// All tensors in buffer order.
    public private(set) var entries: [Entry] = []
    /// Total floats.
    public private(set) var count = 0
    var wte = 0, wpe = 0, lnfw = 0, lnfb = 0
    var blocks: [Block] = []

    init(_ config: GPTConfig) {
        let c = config.dim
        wte = add("wte.weight", [config.vocab, c])
        wpe = add("wpe.weight", [config.context, c])
        for l in 0..<config.layers {
            let p = "blocks.\(l)."
            var b = Block()
            b.ln1w = add(p + "ln1.weight", [c])
            b.ln1b = add(p + "ln1.bias", [c])
            b.qkvw = add(p + "qkv.weight", [3 * c, c])
            b.qkvb = add(p + "qkv.bias", [3 * c])
            b.projw = add(p + "proj.weight", [c, c])
            b.projb = add(p + "proj.bias", [c])
            b.ln2w = add(p + "ln2.weight", [c])
            b.ln2b = add(p + "ln2.bias", [c])
            b.fcw = add(p + "fc.weight", [4 * c, c])
            b.fcb = add(p + "fc.bias", [4 * c])
            b.outw = add(p + "out.weight", [c, 4 * c])
            b.outb = add(p + "out.bias", [c])
            blocks.append(b)
        }
        lnfw = add("lnf.weight", [c])
        lnfb = add("lnf.bias", [c])
    }

    private mutating func add(_ name: String, _ shape: [Int]) -> Int {
        let offset = count
        entries.append(Entry(name: name, shape: shape, offset: offset))
        count += shape.reduce(1, *)
        return offset
    }
}
