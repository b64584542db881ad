/// A judge asked about many pairs at once, which may fail (a remote service, a model on another worker)
/// or answer later (people: it throws a ``JudgementPending``). Pure judges (a task's oracle) adapt through ``OracleJudge``.
public protocol BatchJudge: Sendable {
    /// P(a_i ≻ b_i | prompt_i) for each i; NaN where the judge gave no verdict (a pair nobody judged before
    /// a deadline), which the trainers leave out.
    func probabilities(prompts: [String], a: [String], b: [String]) throws -> [Double]
    /// A scalar reward per (prompt, response) when the judge has one (a reward model), nil otherwise.
    func judgedRewards(prompts: [String], responses: [String]) throws -> [Double]?
    /// Whether the run's final evaluation may ask this judge too (false for people: their time goes to
    /// training pairs; an evaluation asks them explicitly).
    var judgesEvaluations: Bool { get }
}

extension BatchJudge {
    public var judgesEvaluations: Bool { true }
}

/// Thrown by a judge that has asked for verdicts which are not in yet (pairs waiting in the annotation
/// queue). ``TrainingRun/run(observer:)`` checkpoints the state before the step that asked, then rethrows;
/// the caller parks the run and resumes it later from that checkpoint, which asks for the same pairs again.
public protocol JudgementPending: Error {}

/// A pure ``PairwiseJudge`` (a task's scripted oracle) as a ``BatchJudge``.
public struct OracleJudge: BatchJudge {
    public let oracle: any PairwiseJudge

    public init(_ oracle: any PairwiseJudge) {
        self.oracle = oracle
    }

    public func probabilities(prompts: [String], a: [String], b: [String]) -> [Double] {
        prompts.indices.map { oracle.probability(prompt: prompts[$0], a: a[$0], b: b[$0]) }
    }

    public func judgedRewards(prompts: [String], responses: [String]) -> [Double]? { nil }
}
