/// The merges of one pre-tokenised piece, as the `tokenizers` library's BPE model applies them
/// (`Word::merge_all`): a min-heap of the adjacent pairs that have a merge, ordered by rank then position;
/// the lowest is merged, and the pairs the merged symbol forms with its neighbours are pushed. A popped pair
/// whose symbols have changed since it was pushed is skipped. O(n log n) in the piece's length n, where merging
/// every occurrence of the lowest-ranked pair per pass (GPT-2's original `bpe`) costs O(n) for each distinct merge
/// that applies, up to the tokenizer's 50,000: a request body of one long run of letters (one pre-token) would hold
/// a thread for that many passes over megabytes. The two orders also differ where a merge makes a pair of lower
/// rank than the one being applied (`abab` with merges `ab a` then `a b`: `aba b` here and in `tokenizers`,
/// `ab ab` by passes).
enum BPEMerge {
    struct Candidate: Comparable {
        var rank: Int32
        var position: Int32
        var merged: Int32
        static func < (a: Candidate, b: Candidate) -> Bool { (a.rank, a.position) < (b.rank, b.position) }
    }

    /// `symbols` merged with `ranks` ((left id, right id) → (rank, merged id), keyed by ``BPETokenizer/key(_:_:)``).
    static func apply(_ symbols: [Int32], ranks: [UInt64: (rank: Int32, merged: Int32)]) -> [Int32] {
        guard symbols.count > 1 else { return symbols }
        var ids = symbols
        // A doubly linked list over the positions; a merged-away position is marked dead.
        var previous = (0..<ids.count).map { Int32($0) - 1 }
        var next = (0..<ids.count).map { $0 + 1 < ids.count ? Int32($0 + 1) : -1 }
        var alive = [Bool](repeating: true, count: ids.count)
        var heap = MinHeap<Candidate>()
        for i in 0..<(ids.count - 1) {
            if let r = ranks[BPETokenizer.key(ids[i], ids[i + 1])] { heap.push(Candidate(rank: r.rank, position: Int32(i), merged: r.merged)) }
        }
        while let top = heap.pop() {
            let p = Int(top.position)
            guard alive[p], next[p] >= 0 else { continue }
            let q = Int(next[p])
            // Stale: the pair at p is no longer the one this candidate was pushed for.
            guard let r = ranks[BPETokenizer.key(ids[p], ids[q])], r.merged == top.merged else { continue }
            ids[p] = top.merged
            alive[q] = false
            next[p] = next[q]
            if next[q] >= 0 { previous[Int(next[q])] = Int32(p) }
            if previous[p] >= 0, let left = ranks[BPETokenizer.key(ids[Int(previous[p])], ids[p])] {
                heap.push(Candidate(rank: left.rank, position: previous[p], merged: left.merged))
            }
            if next[p] >= 0, let right = ranks[BPETokenizer.key(ids[p], ids[Int(next[p])])] {
                heap.push(Candidate(rank: right.rank, position: Int32(p), merged: right.merged))
            }
        }
        return ids.indices.filter { alive[$0] }.map { ids[$0] }
    }
}

/// A binary min-heap over an array.
struct MinHeap<Element: Comparable> {
    private var items: [Element] = []

    mutating func push(_ item: Element) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return first }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count, items[left] < items[smallest] { smallest = left }
            if right < items.count, items[right] < items[smallest] { smallest = right }
            guard smallest != parent else { return first }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
