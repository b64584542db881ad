import Foundation
import Storage

/// A leased comparison as the annotator sees it: `first` and `second` in display order,
/// each saying which side (`a` or `b`) it is. Judgements are posted with the sides' names.
struct QueueItem: Encodable, Sendable {
    struct Shown: Encodable, Sendable {
        var side: String
        var text: String
    }

    var comparisonId: String
    var prompt: String
    var first: Shown
    var second: Shown
    var shownFirst: String
    var leaseExpiresAt: Date
    var dataset: String?
    /// The prompt as chat messages, when it is a conversation (`prompt` is their rendering).
    var promptMessages: [ChatMessage]?

    init(_ lease: Lease) {
        let c = lease.comparison
        let a = Shown(side: "a", text: c.responseA), b = Shown(side: "b", text: c.responseB)
        comparisonId = c.id
        prompt = c.prompt
        first = lease.shownFirst == "a" ? a : b
        second = lease.shownFirst == "a" ? b : a
        shownFirst = lease.shownFirst
        leaseExpiresAt = lease.expiresAt
        dataset = c.dataset
        promptMessages = c.promptMessages
    }
}
