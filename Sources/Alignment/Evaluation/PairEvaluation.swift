public import Policy

/// One prompt of an evaluation: both sides' samples, paired in order, and the judge's verdicts.
public struct EvaluationRow: Sendable, Equatable {
    public var prompt: String
    public var modelResponses: [String]
    public var baselineResponses: [String]
    /// P(model's j-th ≻ baseline's j-th).
    public var probabilities: [Double]
    public var modelRewards: [Double]?
    public var baselineRewards: [Double]?
}

/// What an evaluation of a model against a baseline found.
public struct EvaluationReport: Sendable, Equatable {
    /// Mean judged P(model ≻ baseline) over all pairs (a tie counts ½).
    public var winRate: Double
    public var low: Double
    public var high: Double
    /// How `low`/`high` were computed.
    public var intervalMethod: String
    /// Pairs judged exactly even (P = ½: identical responses under an oracle, equal rewards).
    public var tieRate: Double
    public var prompts: Int
    public var comparisons: Int
    /// Mean judged reward of each side, when the judge gives rewards.
    public var modelMeanReward: Double?
    public var baselineMeanReward: Double?
    /// Mean response length in tokens (bytes, EOS excluded).
    public var modelMeanLength: Double
    public var baselineMeanLength: Double
    /// Sampled sequence-level KL(model ‖ baseline) = E_{y~model}[log π_model(y|x) − log π_baseline(y|x)].
    public var kl: Double
    public var rows: [EvaluationRow]
}

/// Head-to-head evaluation of two policies on prompts under a judge: K samples of each per prompt,
/// paired in order and judged; the win rate's interval is a bootstrap over prompts
/// (``ClusteredBootstrap``). Deterministic for a seed: prompts are sampled in fixed chunks, each from its
/// own derived seed, so progress reporting does not change the numbers. docs/ALGORITHMS.md §9.1.
public struct PairEvaluation: Sendable {
    public var samplesPerPrompt: Int
    /// Temperature, top-k/top-p, `max_new_tokens`, EOS; its seed is replaced by derived ones.
    public var sampling: SamplingParameters
    public var seed: UInt64
    public var bootstrap: ClusteredBootstrap
    /// Prompts sampled and judged together (also the progress granularity).
    public static let chunk = 16

    public init(samplesPerPrompt: Int, sampling: SamplingParameters, seed: UInt64, bootstrapResamples: Int = 2000) {
        self.samplesPerPrompt = max(1, samplesPerPrompt)
        self.sampling = sampling
        self.seed = seed
        bootstrap = ClusteredBootstrap(resamples: bootstrapResamples, seed: Seeds.derive(seed, Seeds.evaluation, 9))
    }

    /// Evaluates `model` against `baseline`; `progress(done, total)` after each chunk of prompts (throw to
    /// stop). `clock`, when given, is called around each phase with its name (`sampling`, `judging`,
    /// `scoring`), so a benchmark can say where the time goes without the report depending on it.
    public func run(model: GPT, baseline: GPT, prompts: [String], judge: any BatchJudge,
                    clock: ((String, () throws -> Void) throws -> Void)? = nil,
                    progress: (Int, Int) throws -> Void = { _, _ in }) throws -> EvaluationReport {
        let phase = clock ?? { _, body in try body() }
        let k = samplesPerPrompt
        var rows: [EvaluationRow] = []
        var logRatios: [Double] = []
        var modelLengths: [Int] = [], baselineLengths: [Int] = []
        try progress(0, prompts.count)
        for (index, start) in stride(from: 0, to: prompts.count, by: Self.chunk).enumerated() {
            let chunk = Array(prompts[start..<min(start + Self.chunk, prompts.count)])
            var mine: [[Rollout]] = [], theirs: [[Rollout]] = []
            try phase("sampling") {
                mine = try Rollouts.sample(model, prompts: chunk, count: k, parameters: sampling,
                                           seed: Seeds.derive(seed, Seeds.evaluation, 10, index))
                theirs = try Rollouts.sample(baseline, prompts: chunk, count: k, parameters: sampling,
                                             seed: Seeds.derive(seed, Seeds.evaluation, 11, index))
            }
            let flatPrompts = chunk.flatMap { Array(repeating: $0, count: k) }
            let a = mine.flatMap { $0.map(\.text) }, b = theirs.flatMap { $0.map(\.text) }
            var p: [Double] = [], rewardsA: [Double]?, rewardsB: [Double]?
            try phase("judging") {
                p = try judge.probabilities(prompts: flatPrompts, a: a, b: b)
                rewardsA = try judge.judgedRewards(prompts: flatPrompts, responses: a)
                rewardsB = try rewardsA == nil ? nil : judge.judgedRewards(prompts: flatPrompts, responses: b)
            }
            let tokens = mine.flatMap { $0.map(\.tokens) }
            try phase("scoring") {
                let lpModel = try Rollouts.logProbs(model, prompts: flatPrompts, responses: tokens).sum
                let lpBaseline = try Rollouts.logProbs(baseline, prompts: flatPrompts, responses: tokens).sum
                logRatios += zip(lpModel, lpBaseline).map { $0 - $1 }
            }
            modelLengths += mine.flatMap { $0.map { Self.length($0.tokens) } }
            baselineLengths += theirs.flatMap { $0.map { Self.length($0.tokens) } }
            for (i, prompt) in chunk.enumerated() {
                let span = (i * k)..<((i + 1) * k)
                rows.append(EvaluationRow(prompt: prompt, modelResponses: Array(a[span]), baselineResponses: Array(b[span]),
                                          probabilities: Array(p[span]), modelRewards: rewardsA.map { Array($0[span]) },
                                          baselineRewards: rewardsB.map { Array($0[span]) }))
            }
            try progress(min(start + Self.chunk, prompts.count), prompts.count)
        }
        let all = rows.flatMap(\.probabilities)
        let interval = bootstrap.interval(sums: rows.map { $0.probabilities.reduce(0, +) }, counts: rows.map(\.probabilities.count))
        let modelRewards = rows.compactMap(\.modelRewards).flatMap { $0 }
        let baselineRewards = rows.compactMap(\.baselineRewards).flatMap { $0 }
        return EvaluationReport(
            winRate: interval?.estimate ?? 0.5, low: interval?.low ?? 0, high: interval?.high ?? 1,
            intervalMethod: bootstrap.method,
            tieRate: all.isEmpty ? 0 : Double(all.filter { abs($0 - 0.5) < 1e-12 }.count) / Double(all.count),
            prompts: rows.count, comparisons: all.count,
            modelMeanReward: modelRewards.isEmpty ? nil : mean(modelRewards),
            baselineMeanReward: baselineRewards.isEmpty ? nil : mean(baselineRewards),
            modelMeanLength: mean(modelLengths.map(Double.init)), baselineMeanLength: mean(baselineLengths.map(Double.init)),
            kl: mean(logRatios), rows: rows)
    }

    /// Response tokens without the closing EOS.
    static func length(_ tokens: [Int32]) -> Int {
        tokens.last == ByteTokenizer.eos ? tokens.count - 1 : tokens.count
    }
}
