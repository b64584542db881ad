import Glibc

/// A fixed-size, pointer-stable Float32 allocation, zero-initialised.
///
/// The model keeps parameters, gradients and activations in a few of these (llm.c keeps one
/// `malloc` per group) so that kernels receive raw pointers with no array copy-on-write checks or
/// reallocation in the training loop. Not `Sendable`: a buffer belongs to one model at a time.
public final class FloatBuffer {
    /// Start of the allocation; valid for the lifetime of the buffer. Keep the buffer itself in a
    /// named variable while the pointer is in use: `FloatBuffer(x).pointer` on a temporary may be
    /// freed before the callee reads it.
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of floats.
    public let count: Int

    /// Allocates `count` floats set to zero.
    public init(count: Int) {
        self.count = count
        // Allocate at least one element so `pointer` is always valid, even for empty models. calloc, not
        // allocate + fill: a large buffer comes zeroed from the kernel and takes memory only where written, so
        // the gradients of a frozen model (a reference, a served model: 500 MB for GPT-2 small) cost nothing.
        guard let raw = calloc(max(count, 1), MemoryLayout<Float>.stride) else { fatalError("out of memory for \(count) floats") }
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Allocates a buffer holding a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit { free(pointer) }

    /// Sets every element to zero.
    public func zero() { pointer.update(repeating: 0, count: count) }

    /// Copies the contents out into an array.
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// Element access (bounds are checked in debug builds only, as for raw pointers).
    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }
}
