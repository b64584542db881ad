/// A judge asked about many pairs at once, which may fail (a remote service, a model on another worker).
/// Pure judges (a task's oracle) adapt through ``OracleJudge``.
public protocol BatchJudge: Sendable {
    /// P(a_i ≻ b_i | prompt_i) for each i.
    func probabilities(prompts: [String], a: [String], b: [String]) throws -> [Double]
    /// A scalar reward per (prompt, response) when the judge has one (a reward model), nil otherwise.
    func judgedRewards(prompts: [String], responses: [String]) throws -> [Double]?
}

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
