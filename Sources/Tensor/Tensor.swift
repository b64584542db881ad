/// A Float32 CPU tensor: flat row-major storage plus a shape.
///
/// Value semantics keep it easy to pass across API boundaries (checkpoints, tests); the hot loops of
/// the model work on ``FloatBuffer`` pointers instead, so nothing is copied or reallocated per step.
public struct Tensor: Sendable, Equatable {
    /// Extent of each dimension, outermost first.
    public var shape: [Int]
    /// Elements in row-major order; `data.count == shape.reduce(1, *)`.
    public var data: [Float]

    /// A tensor of zeros with the given shape.
    public init(zeros shape: [Int]) {
        self.shape = shape
        self.data = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    /// A tensor over existing data; `data.count` must equal the product of `shape`.
    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "Tensor: shape \(shape) does not match \(data.count) elements")
        self.shape = shape
        self.data = data
    }

    /// Number of elements.
    public var count: Int { data.count }
}
