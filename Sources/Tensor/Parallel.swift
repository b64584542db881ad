import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// How kernels split work across cores.
///
/// Parallelism is owned here rather than by OpenBLAS: BLAS is pinned to one thread (see ``BLAS``)
/// and kernels split their outer dimension into a fixed number of contiguous chunks, one per worker.
/// Chunk boundaries depend only on the problem size and ``workers``, never on scheduling, so results
/// are bit-identical for a given thread count.
public enum Parallel {
    /// Number of chunks kernels split into: `PREFLAB_THREADS` if set to a positive integer, else the
    /// online processor count (2 on the reference machine). Results are reproducible for a given
    /// value, so a run can be replayed elsewhere by pinning it.
    public static let workers: Int = {
        if let text = getenv("PREFLAB_THREADS"), let n = Int(String(cString: text)), n > 0 { return min(n, 256) }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }()

    /// Runs `body(start, end)` over `count` items split into at most ``workers`` contiguous chunks.
    /// Runs inline when the work is too small to repay a thread hop (`count * costPerItem` below
    /// roughly 32k flops).
    @inline(__always)
    public static func chunks(_ count: Int, costPerItem: Int = 1, _ body: (Int, Int) -> Void) {
        let n = isSerial ? 1 : min(workers, count)
        if n <= 1 || count * costPerItem < 32_768 {
            body(0, count)
            return
        }
        DispatchConcurrent.perform(n) { i in body(count * i / n, count * (i + 1) / n) }
    }

    /// Runs `body` with every kernel on this thread executing inline, for callers that already run
    /// independent problems on separate workers (the policy scores and samples sequence groups
    /// data-parallel, one group per core; splitting each kernel again would only add thread hops).
    public static func serial<R>(_ body: () throws -> R) rethrows -> R {
        try $serialFlag.withValue(true) { try body() }
    }

    /// Whether kernels on this thread currently run inline (see ``serial(_:)``).
    public static var isSerial: Bool { serialFlag }

    @TaskLocal static var serialFlag = false

    /// Runs `body(i)` for every `i` in `0..<count`, spread over ``workers`` contiguous chunks.
    @inline(__always)
    public static func forEach(_ count: Int, costPerItem: Int = 1, _ body: (Int) -> Void) {
        chunks(count, costPerItem: costPerItem) { start, end in
            for i in start..<end { body(i) }
        }
    }
}

/// `DispatchQueue.concurrentPerform` under a short name, for kernels that manage their own chunks.
enum DispatchConcurrent {
    @inline(__always)
    static func perform(_ iterations: Int, _ body: (Int) -> Void) {
        // concurrentPerform wants a @Sendable closure, but kernel bodies capture raw pointers. This is
        // the one place that crosses that line: the closure never outlives the call (it is
        // non-escaping, and concurrentPerform returns only after every iteration ran), and every
        // kernel writes disjoint index ranges per iteration.
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: iterations) { i in box.value(i) }
        }
    }
}

/// Carries a value into a `@Sendable` closure; see ``DispatchConcurrent/perform(_:_:)`` for why
/// that is sound here.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
