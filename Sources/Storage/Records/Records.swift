public import Foundation

/// An annotator's verdict on a pair of responses.
public enum Choice: String, Codable, Sendable, CaseIterable {
    /// Response A is better.
    case a
    /// Response B is better.
    case b
    /// Equally good (or equally bad).
    case tie
    /// The annotator declined to judge; never a training signal.
    case skip
}

/// What a bearer token may do.
public enum Role: String, Codable, Sendable, CaseIterable {
    case admin, researcher, annotator, ci, worker
}

/// A prompt, optionally grouped into a dataset and tagged.
public struct Prompt: Codable, Sendable, Equatable {
    public var id: String
    public var text: String
    public var dataset: String?
    public var tags: [String]
    public var createdAt: Date

    public init(id: String, text: String, dataset: String?, tags: [String], createdAt: Date) {
        self.id = id
        self.text = text
        self.dataset = dataset
        self.tags = tags
        self.createdAt = createdAt
    }
}

/// A prompt with two responses, waiting for `judgementsRequired` judgements.
public struct Comparison: Codable, Sendable, Equatable {
    public var id: String
    public var promptID: String
    /// The prompt's text, denormalised so judgements and exports need no join.
    public var prompt: String
    public var responseA: String
    public var responseB: String
    /// The model that produced each side, when a policy did.
    public var modelA: String?
    public var modelB: String?
    public var dataset: String?
    /// How many annotators must judge it (overlap); at least 1.
    public var judgementsRequired: Int
    public var createdAt: Date
    /// The run whose pairs these are, when a run judged by people (`judge: "human"`) posted it.
    public var runID: String?
    /// The prompt as chat messages when it was given as a conversation (`prompt` is their rendering).
    public var promptMessages: [ChatMessage]?

    public init(id: String, promptID: String, prompt: String, responseA: String, responseB: String,
                modelA: String?, modelB: String?, dataset: String?, judgementsRequired: Int, createdAt: Date, runID: String? = nil,
                promptMessages: [ChatMessage]? = nil) {
        self.runID = runID
        self.promptMessages = promptMessages
        self.id = id
        self.promptID = promptID
        self.prompt = prompt
        self.responseA = responseA
        self.responseB = responseB
        self.modelA = modelA
        self.modelB = modelB
        self.dataset = dataset
        self.judgementsRequired = judgementsRequired
        self.createdAt = createdAt
    }
}

/// One judgement. Append-only: a changed mind is a new preference.
///
/// `choice` always refers to the comparison's own A and B, whichever side the
/// annotator was shown first; `shownFirst` records that for position-bias analysis.
public struct Preference: Codable, Sendable, Equatable {
    public var id: String
    /// The comparison judged, or nil for a preference posted inline.
    public var comparisonID: String?
    public var prompt: String
    public var responseA: String
    public var responseB: String
    public var choice: Choice
    /// 1 (slight) to 3 (strong), when given.
    public var strength: Int?
    public var rationale: String?
    /// From the token that posted it, never from the body.
    public var annotator: String
    /// Which response was displayed first (`a` or `b`), when known.
    public var shownFirst: String?
    public var timeSpentMS: Int?
    public var dataset: String?
    public var createdAt: Date
    /// The prompt as chat messages, for a conversational prompt (`prompt` is their rendering).
    public var promptMessages: [ChatMessage]?
    /// An imported line's extra columns, returned by the provenance export.
    public var metadata: JSONValue?
    /// Set on an undo: the id of the annotator's judgement this row withdraws. Such a row is no vote.
    public var undoes: String?

    public init(id: String, comparisonID: String?, prompt: String, responseA: String, responseB: String, choice: Choice,
                strength: Int?, rationale: String?, annotator: String, shownFirst: String?, timeSpentMS: Int?,
                dataset: String?, createdAt: Date, promptMessages: [ChatMessage]? = nil, metadata: JSONValue? = nil,
                undoes: String? = nil) {
        self.promptMessages = promptMessages
        self.metadata = metadata
        self.undoes = undoes
        self.id = id
        self.comparisonID = comparisonID
        self.prompt = prompt
        self.responseA = responseA
        self.responseB = responseB
        self.choice = choice
        self.strength = strength
        self.rationale = rationale
        self.annotator = annotator
        self.shownFirst = shownFirst
        self.timeSpentMS = timeSpentMS
        self.dataset = dataset
        self.createdAt = createdAt
    }
}
