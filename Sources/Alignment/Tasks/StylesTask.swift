public import Policy

/// Intransitive task: answer a one-word prompt in one of three styles — `calm` (lowercase words), `loud`
/// (capitals with `!`) or `digits` — or with a `hush` of dots. The oracle's preferences cycle like
/// rock–paper–scissors with noise: loud ≻ calm, digits ≻ loud, calm ≻ digits, each with probability
/// ``dominance``; every style beats hush with probability ``hushLoss`` (a dominated option); a malformed
/// response loses to any styled one with probability ``malformedLoss``; two responses of one style tie.
///
/// No reward model represents a cycle, so the DPO family fits a Bradley–Terry ranking that depends on where
/// its pairs came from (docs/ALGORITHMS.md §1.5, §6.3) and moves towards its top style (at β = 0.25 its population
/// optimum is 94% loud; a finite run gets part of the way, depending on the reference), while the Nash methods
/// head for the mixed equilibrium (≈ (0.29, 0.43, 0.26, 0.02) at β = 0.1, exploitability 0.06, win rate
/// 0.59 against the reference; 0 exploitability and no hush at β → 0). The SFT data is skewed
/// 8 : 5 : 2 : 5 (calm : loud : digits : hush), so the reference is exploitable (by loud, 0.195) and a quarter
/// of it is the dominated hush: every method can improve on it by dropping hush, and only the Nash methods
/// aim to mix the three styles rather than collapse onto one.
public struct StylesTask: TextTask {
    /// P(winner ≻ loser) along the cycle.
    public var dominance: Double = 0.9
    /// P(style ≻ hush).
    public var hushLoss: Double = 0.8
    /// P(styled ≻ malformed).
    public var malformedLoss: Double = 0.95

    /// The task with its default oracle.
    public init() {}

    /// Style vocabularies, in the cycle order calm → loud → digits (each beaten by the next), then hush.
    public static let styles: [[String]] = [["ok", "fine", "sure"], ["YES!", "GO!", "NOW!"], ["42", "7", "365"], ["..", "...", "...."]]

    public var name: String { "styles" }
    public var summary: String { "one-word answers in three styles with cyclic (rock-paper-scissors) preferences" }
    public var isTransitive: Bool { false }
    public var oracle: any PairwiseJudge { StylesOracle(dominance: dominance, hushLoss: hushLoss, malformedLoss: malformedLoss) }
    public var trainPrompts: [String] { ["cat:", "sun:", "sea:", "car:", "tea:", "dog:", "map:", "pen:"] }
    /// Sixteen words unseen in training: a win rate's interval is a bootstrap over prompts, so four of them
    /// (as before) left it as wide as the spread between single prompts.
    public var evalPrompts: [String] {
        ["owl:", "box:", "fig:", "jam:", "hat:", "cup:", "bus:", "egg:", "ink:", "key:", "leg:", "nut:", "oak:", "pig:", "rug:", "toy:"]
    }
    public var referenceConfig: GPTConfig { GPTConfig(layers: 2, dim: 48, heads: 4, context: 16) }

    public var sftExamples: [SFTExample] {
        let tok = ByteTokenizer()
        // 8 calm, 5 loud, 2 digits, 5 hush per prompt, cycling through each style's words.
        let shares = [8, 5, 2, 5]
        return trainPrompts.enumerated().flatMap { p, prompt in
            shares.enumerated().flatMap { style, count in
                (0..<count).map { i in
                    let words = Self.styles[style]
                    return SFTExample(prompt: tok.encode(prompt, bos: true), response: tok.encode(words[(i + p) % words.count], eos: true))
                }
            }
        }
    }

    public var sftConfig: SFTConfig { SFTConfig(steps: 120, batchSize: 32, learningRate: 3e-3, seed: 13) }
    public var sampling: SamplingParameters { SamplingParameters(temperature: 1, maxNewTokens: 6, stopAtEOS: true) }

    /// Every styled word.
    public func candidateResponses(prompt: String) -> [String] { Self.styles.flatMap { $0 } }
}

/// The styles oracle; see ``StylesTask``.
public struct StylesOracle: PairwiseJudge {
    /// P(winner ≻ loser) along the cycle.
    public var dominance: Double
    /// P(style ≻ hush).
    public var hushLoss: Double
    /// P(styled ≻ malformed).
    public var malformedLoss: Double

    public func probability(prompt: String, a: String, b: String) -> Double {
        switch (Self.style(a), Self.style(b)) {
        case (nil, nil): return 0.5
        case (.some, nil): return malformedLoss
        case (nil, .some): return 1 - malformedLoss
        case let (.some(x), .some(y)):
            if x == y { return 0.5 }
            if x == 3 { return 1 - hushLoss }
            if y == 3 { return hushLoss }
            // y beaten by the next style in the cycle: a wins when it is y's successor.
            return x == (y + 1) % 3 ? dominance : 1 - dominance
        }
    }

    /// 0 calm (lowercase letters), 1 loud (capitals then one `!`), 2 digits, 3 hush (dots); nil when malformed.
    static func style(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 6 else { return nil }
        if bytes.allSatisfy({ $0 >= 97 && $0 <= 122 }) { return 0 }
        if bytes.count >= 2, bytes.last == 33, bytes.dropLast().allSatisfy({ $0 >= 65 && $0 <= 90 }) { return 1 }
        if bytes.allSatisfy({ $0 >= 48 && $0 <= 57 }) { return 2 }
        if bytes.count >= 2, bytes.allSatisfy({ $0 == 46 }) { return 3 }
        return nil
    }
}
