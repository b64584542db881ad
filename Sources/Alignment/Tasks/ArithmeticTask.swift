public import Policy

/// Transitive task: answer `a+b=` (a, b ∈ 0…9). The oracle prefers the answer closer to the truth,
/// `P(x ≻ y) = σ(k·(d(y) − d(x)))` with the distance `d(x) = min(|x − t|, D)`: anything that is not a
/// non-negative integer, or is further than D = ``malformedDistance``, counts as D away. A reward model
/// represents it exactly (reward `−k·d(x)`), so every method should improve on the reference here. The cap
/// bounds the reward to [−kD, 0]: uncapped, one well-formed "999" (−1994) outweighs hundreds of right
/// answers in a mean, so a few outliers would decide a policy-gradient step and an evaluation's mean.
///
/// The SFT data mixes correct and off-by-one/two answers (2 : 2 : 1), so the reference is mediocre and the
/// oracle has room to pull it towards the truth.
public struct ArithmeticTask: RewardTask {
    /// Sharpness k of the oracle, per unit of distance.
    public var sharpness: Double = 2.0
    /// Distance charged to a malformed answer, and the most any answer is charged.
    public var malformedDistance: Double = 20

    /// The task with its default oracle.
    public init() {}

    public var name: String { "arithmetic" }
    public var summary: String { "a+b= with single digits; the oracle prefers answers closer to the sum (transitive)" }
    public var isTransitive: Bool { true }
    public var oracle: any PairwiseJudge { ArithmeticOracle(sharpness: sharpness, malformedDistance: malformedDistance) }

    /// Every pair of digits.
    public var trainPrompts: [String] {
        (0..<10).flatMap { a in (0..<10).map { b in "\(a)+\(b)=" } }
    }

    /// Every prompt, as in training (there are only 100): a win rate's interval is a bootstrap over prompts, and
    /// sums differ in difficulty, so its width is set by how many prompts are evaluated (on a fixed fifth of
    /// them, the 95% interval of a typical run's win rate reached down to ½).
    public var evalPrompts: [String] { trainPrompts }

    public var referenceConfig: GPTConfig { GPTConfig(layers: 2, dim: 48, heads: 4, context: 16) }

    public var sftExamples: [SFTExample] {
        let tok = ByteTokenizer()
        return (0..<10).flatMap { a in
            (0..<10).flatMap { b in
                let t = a + b
                // Two correct, two off by one, one off by two: the reference puts ~40% on the truth.
                let answers = [t, t, t + 1, max(0, t - 1), t + 2]
                return answers.map { SFTExample(prompt: tok.encode("\(a)+\(b)=", bos: true), response: tok.encode("\($0)", eos: true)) }
            }
        }
    }

    public var sftConfig: SFTConfig { SFTConfig(steps: 150, batchSize: 32, learningRate: 3e-3, seed: 11) }

    public var sampling: SamplingParameters { SamplingParameters(temperature: 1, maxNewTokens: 4, stopAtEOS: true) }

    /// The oracle's reward `−k·min(|x − t|, D)` (a malformed answer counts as D = ``malformedDistance`` away),
    /// so that `P(x ≻ y) = σ(r(x) − r(y))`; 0 for a prompt that is not `a+b=`.
    public func reward(prompt: String, response: String) -> Double {
        guard let truth = ArithmeticOracle.truth(prompt) else { return 0 }
        return -sharpness * ArithmeticOracle.distance(response, truth: truth, cap: malformedDistance)
    }

    /// The right answer's reward; the lowest is `−k·D` (−40).
    public var maximumReward: Double { 0 }

    /// Every integer 0…20: the best response (the sum) is always among them.
    public func candidateResponses(prompt: String) -> [String] {
        (0...20).map { "\($0)" }
    }
}

/// The arithmetic oracle; see ``ArithmeticTask``.
public struct ArithmeticOracle: PairwiseJudge {
    /// Sharpness k.
    public var sharpness: Double
    /// Distance charged to a malformed answer.
    public var malformedDistance: Double

    public func probability(prompt: String, a: String, b: String) -> Double {
        guard let truth = Self.truth(prompt) else { return 0.5 }
        let da = Self.distance(a, truth: truth, cap: malformedDistance), db = Self.distance(b, truth: truth, cap: malformedDistance)
        return sigmoid(sharpness * (db - da))
    }

    /// `min(|x − t|, cap)`, and `cap` for a malformed answer.
    static func distance(_ response: String, truth: Int, cap: Double) -> Double {
        value(response).map { min(Double(abs($0 - truth)), cap) } ?? cap
    }

    /// The sum a prompt `a+b=` asks for; nil for anything else.
    static func truth(_ prompt: String) -> Int? {
        guard prompt.hasSuffix("=") else { return nil }
        let parts = prompt.dropLast().split(separator: "+", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = value(String(parts[0])), let b = value(String(parts[1])) else { return nil }
        return a + b
    }

    /// A response's value: 1–3 ASCII digits, nothing else.
    static func value(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 3, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(text)
    }
}
