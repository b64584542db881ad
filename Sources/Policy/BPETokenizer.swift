import Synchronization

/// GPT-2's byte-level BPE: text is split on added tokens (e.g. `<|endoftext|>`), each remaining span is
/// pre-tokenised (``GPT2PreTokenizer``), each piece spelled in ``ByteLevelAlphabet`` and merged pair by pair,
/// lowest merge rank first (leftmost on ties), as the `tokenizers` library's `BPE` model does. Pieces' merges
/// are cached. Loaded from `tokenizer.json` or `vocab.json` + `merges.txt` (see `BPETokenizer+Loading`).
public final class BPETokenizer: Tokenizer {
    /// Token text → id, and back.
    public let vocabulary: [String: Int32]
    let tokens: [Int32: String]
    /// Merges in rank order, as pairs of token texts.
    public let merges: [(String, String)]
    /// (left id, right id) → (rank, merged id).
    let ranks: [UInt64: (rank: Int32, merged: Int32)]
    /// Added tokens (content, id, special), matched in the raw text before pre-tokenisation.
    public let added: [AddedToken]
    /// Whether a space is put before text that does not start with one (ByteLevel `add_prefix_space`).
    public let addPrefixSpace: Bool
    /// Whether a piece that is itself a token skips the merges (`ignore_merges`).
    public let ignoreMerges: Bool
    public let bosID: Int32, eosID: Int32, padID: Int32
    public let vocabSize: Int
    private let byteIDs: [Int32]
    /// The added tokens as a byte trie: children of each node, and the token ending there.
    private let addedChildren: [[UInt8: Int32]]
    private let addedTerminal: [Int32?]
    /// Limits on a loaded tokenizer's added tokens, so matching them costs at most `maxAddedBytes` steps a byte.
    public static let maxAddedTokens = 4096, maxAddedBytes = 256
    private let cache = Mutex<[String: [Int32]]>([:])
    private static let cacheLimit = 50_000
    private static let cachedPieceBytes = 256

    /// A token the `tokenizers` library matches in the raw text before pre-tokenisation.
    public struct AddedToken: Sendable, Equatable {
        public var content: String, id: Int32, special: Bool
        public init(content: String, id: Int32, special: Bool) {
            self.content = content
            self.id = id
            self.special = special
        }
    }

    /// A tokenizer from its vocabulary, merges and added tokens; `bos`, `eos` and `pad` name added (or
    /// ordinary) tokens. Throws if a merge or special is not in the vocabulary, or a byte has no token.
    public init(vocabulary: [String: Int32], merges: [(String, String)], added: [AddedToken], bos: String, eos: String,
                pad: String? = nil, addPrefixSpace: Bool = false, ignoreMerges: Bool = false) throws(PolicyError) {
        guard added.count <= Self.maxAddedTokens, added.allSatisfy({ $0.content.utf8.count <= Self.maxAddedBytes }) else {
            throw PolicyError("tokenizer: at most \(Self.maxAddedTokens) added tokens of at most \(Self.maxAddedBytes) bytes each")
        }
        var vocabulary = vocabulary
        for token in added { vocabulary[token.content] = token.id }
        var tokens: [Int32: String] = [:]
        for (text, id) in vocabulary {
            guard id >= 0 else { throw PolicyError("tokenizer: token \(text) has a negative id") }
            if let other = tokens[id], other != text { throw PolicyError("tokenizer: id \(id) is given to two tokens") }
            tokens[id] = text
        }
        var ranks: [UInt64: (rank: Int32, merged: Int32)] = [:]
        for (rank, (a, b)) in merges.enumerated() {
            guard let left = vocabulary[a], let right = vocabulary[b], let merged = vocabulary[a + b] else {
                throw PolicyError("tokenizer: merge \(rank) (\(a) \(b)) uses a token outside the vocabulary")
            }
            let key = Self.key(left, right)
            if ranks[key] == nil { ranks[key] = (Int32(rank), merged) }
        }
        byteIDs = try ByteLevelAlphabet.scalars.enumerated().map { byte, scalar throws(PolicyError) in
            guard let id = vocabulary[String(scalar)] else { throw PolicyError("tokenizer: no token for byte \(byte)") }
            return id
        }
        func id(_ name: String) throws(PolicyError) -> Int32 {
            guard let id = vocabulary[name] else { throw PolicyError("tokenizer: special token \(name) is not in the vocabulary") }
            return id
        }
        bosID = try id(bos)
        eosID = try id(eos)
        padID = try id(pad ?? eos)
        self.vocabulary = vocabulary
        self.tokens = tokens
        self.merges = merges
        self.ranks = ranks
        // Longest first, so that of two added tokens where one begins the other, the longer one is matched.
        self.added = added.sorted { ($0.content.utf8.count, $1.id) > ($1.content.utf8.count, $0.id) }
        var children: [[UInt8: Int32]] = [[:]], terminal: [Int32?] = [nil]
        for token in self.added where !token.content.isEmpty {
            var node = 0
            for byte in token.content.utf8 {
                if let child = children[node][byte] {
                    node = Int(child)
                } else {
                    children.append([:])
                    terminal.append(nil)
                    children[node][byte] = Int32(children.count - 1)
                    node = children.count - 1
                }
            }
            // Of two tokens with the same content, the first in that order wins, as the linear scan did.
            if terminal[node] == nil { terminal[node] = token.id }
        }
        addedChildren = children
        addedTerminal = terminal
        self.addPrefixSpace = addPrefixSpace
        self.ignoreMerges = ignoreMerges
        vocabSize = Int(tokens.keys.max() ?? 0) + 1
    }

    static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b)) }

    public func encode(_ text: String, bos: Bool, eos: Bool) -> [Int32] {
        var out: [Int32] = bos ? [bosID] : []
        var first = true
        for span in splitOnAdded(text) {
            switch span {
            case .added(let id): out.append(id)
            case .text(let piece):
                var piece = piece
                if addPrefixSpace && first && !piece.hasPrefix(" ") { piece = " " + piece }
                for word in GPT2PreTokenizer.split(piece) { out += merge(Substring(word)) }
            }
            first = false
        }
        if eos { out.append(eosID) }
        return out
    }

    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        let specials = Set(added.filter(\.special).map(\.id))
        for id in ids where !specials.contains(id) {
            guard let text = tokens[id] else { continue }
            // As the ByteLevel decoder: a token outside the byte alphabet (an added token) stands for its own text.
            bytes += ByteLevelAlphabet.unspell(text) ?? Array(text.utf8)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    enum Span { case text(String), added(Int32) }

    /// The text cut around added tokens, leftmost match first (the longest of those starting there), compared
    /// byte for byte as the `tokenizers` library does (not by Swift's canonical equivalence of characters).
    func splitOnAdded(_ text: String) -> [Span] {
        guard !added.isEmpty else { return text.isEmpty ? [] : [.text(text)] }
        let bytes = Array(text.utf8)
        var spans: [Span] = []
        var start = 0, i = 0
        while i < bytes.count {
            // The longest added token starting at i, walking the trie.
            var node = 0, hit: (length: Int, id: Int32)?
            var j = i
            while j < bytes.count, let child = addedChildren[node][bytes[j]] {
                node = Int(child)
                j += 1
                if let id = addedTerminal[node] { hit = (j - i, id) }
            }
            guard let hit else { i += 1; continue }
            if i > start { spans.append(.text(String(decoding: bytes[start..<i], as: UTF8.self))) }
            spans.append(.added(hit.id))
            i += hit.length
            start = i
        }
        if start < bytes.count { spans.append(.text(String(decoding: bytes[start...], as: UTF8.self))) }
        return spans
    }

    /// The ids of one pre-tokenised piece.
    func merge(_ word: Substring) -> [Int32] {
        let key = String(word)
        if let hit = cache.withLock({ $0[key] }) { return hit }
        var symbols = word.utf8.map { byteIDs[Int($0)] }
        if ignoreMerges, let whole = vocabulary[ByteLevelAlphabet.spell(word.utf8)] {
            symbols = [whole]
        }
        symbols = BPEMerge.apply(symbols, ranks: ranks)
        // As `tokenizers`, long pieces are not cached: a few of them would hold megabytes each.
        guard key.utf8.count <= Self.cachedPieceBytes else { return symbols }
        cache.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[key] = symbols
        }
        return symbols
    }
}
