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
        // Allocate at least one element so `pointer` is always valid, even for empty models.
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// Allocates a buffer holding a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit { pointer.deallocate() }

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
