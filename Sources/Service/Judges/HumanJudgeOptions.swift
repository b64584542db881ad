/// `judge_options` of a run judged by people (`judge: "human"`).
public struct HumanJudgeOptions: Sendable, Equatable, Encodable {
    /// Where the run's comparisons go; nil: `run:<run id>`.
    public var dataset: String?
    /// Judgements each pair needs (annotator overlap); verdicts are resolved by majority.
    public var judgementsRequired = 1
    /// How long the run waits for one batch before it goes on with what it has.
    public var timeoutSeconds = 86_400
    /// At the deadline, the run goes on only if at least this fraction of the batch's pairs has a verdict;
    /// otherwise it fails, naming the judge.
    public var minJudgedFraction = 0.5

    public init() {}

    public static let maxTimeoutSeconds = 30 * 86_400

    enum CodingKeys: String, CodingKey, CaseIterable {
        case dataset, judgementsRequired = "judgements_required", timeoutSeconds = "timeout_seconds"
        case minJudgedFraction = "min_judged_fraction"
    }

    /// The dataset of run `runID`'s comparisons.
    public func dataset(runID: String) -> String { dataset ?? "run:\(runID)" }

    /// Reads a request's `judge_options` (absent: the defaults), each error naming its field.
    init(reading object: SpecObject?) throws(RunSpecError) {
        guard let object else { return }
        try object.rejectUnknown(Set(CodingKeys.allCases.map(\.stringValue)))
        dataset = try object.string("dataset", maxLength: 200)
        if dataset?.isEmpty == true { throw RunSpecError(object.name("dataset"), "must not be empty") }
        judgementsRequired = try object.integer("judgements_required", range: 1...100) ?? judgementsRequired
        timeoutSeconds = try object.integer("timeout_seconds", range: 1...Self.maxTimeoutSeconds) ?? timeoutSeconds
        if let fraction = try object.decode(Double.self, "min_judged_fraction", what: "a number") {
            guard fraction > 0, fraction <= 1 else { throw RunSpecError(object.name("min_judged_fraction"), "must be in (0, 1]") }
            minJudgedFraction = fraction
        }
    }

    /// Pairs that must have a verdict at the deadline for the run to go on.
    public func minimumJudged(of pairs: Int) -> Int {
        min(pairs, max(1, Int((minJudgedFraction * Double(pairs)).rounded(.up))))
    }
}
