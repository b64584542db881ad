/// A judgement refused because of the state of its comparison. Like `MissingRecord`, it names the domain
/// facts; `App` turns them into an error code and the request field at fault.
public struct StateConflict: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The annotator has judged this comparison before.
        case alreadyJudged(annotator: String)
        /// The comparison already has every judgement it asked for.
        case judgementsComplete(required: Int)
    }

    public let kind: Kind
    public let comparisonID: String
    /// The position of the judgement in a batch write.
    public let item: Int?

    public init(_ kind: Kind, comparisonID: String, item: Int? = nil) {
        self.kind = kind
        self.comparisonID = comparisonID
        self.item = item
    }
}
