/// A run names a model that does not exist; `field` is the run specification's field that named it
/// (`model`, `reference`), as `RunSpecError` names its fields.
public struct MissingReference: Error, Sendable, Equatable {
    public let field: String
    public let id: String

    public init(field: String, id: String) {
        self.field = field
        self.id = id
    }
}
