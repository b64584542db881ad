/// A write referred to a record that does not exist. It names the record, not the request field that held
/// its id: `App` knows which field that was and names it in the problem document.
public struct MissingRecord: Error, Sendable, Equatable {
    /// The kind of record referred to.
    public enum Entity: String, Sendable {
        case prompt, comparison, model
    }

    public let entity: Entity
    public let id: String
    /// The position of the referring item in a batch write, when the write takes several.
    public let item: Int?

    public init(_ entity: Entity, id: String, item: Int? = nil) {
        self.entity = entity
        self.id = id
        self.item = item
    }
}
