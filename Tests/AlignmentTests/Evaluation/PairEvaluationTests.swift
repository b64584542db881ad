import Alignment
import Policy
import Testing

@Suite struct PairEvaluationTests {
    /// Scores a response by its length; prefers the longer one.
    struct LengthJudge: BatchJudge {
        func probabilities(prompts: [String], a: [String], b: [String]) -> [Double] {
            prompts.indices.map { a[$0].count == b[$0].count ? 0.5 : a[$0].count > b[$0].count ? 1 : 0 }
        }

        func judgedRewards(prompts: [String], responses: [String]) -> [Double]? { responses.map { Double($0.count) } }
    }

    /// A model against itself: the interval holds ½, the sampled KL is exactly 0, and the same seed gives
    /// the same report whatever reports progress.
    @Test func aModelAgainstItselfIsEven() throws {
        let task = ArithmeticTask()
        let model = try References.model(for: task)
        let evaluation = PairEvaluation(samplesPerPrompt: 4, sampling: task.sampling, seed: 7)
        var progress: [Int] = []
        let report = try evaluation.run(model: model, baseline: model, prompts: task.evalPrompts, judge: OracleJudge(task.oracle), progress: { done, total in
            #expect(total == task.evalPrompts.count)
            progress.append(done)
        })
        #expect(report.low <= 0.5 && 0.5 <= report.high, "\(report.low)...\(report.high)")
        #expect(report.low < report.high)
        #expect(report.kl == 0)
        #expect(report.prompts == task.evalPrompts.count && report.comparisons == 4 * task.evalPrompts.count)
        #expect(report.rows.allSatisfy { $0.modelResponses.count == 4 && $0.probabilities.count == 4 })
        #expect(progress.first == 0 && progress.last == task.evalPrompts.count && progress == progress.sorted())
        #expect(report.intervalMethod.contains("bootstrap over prompts"))
        #expect(report.modelMeanReward == nil)
        let again = try evaluation.run(model: model, baseline: model, prompts: task.evalPrompts, judge: OracleJudge(task.oracle))
        #expect(again == report)
    }

    @Test func rewardsAndLengthsAreReportedPerSide() throws {
        let task = ArithmeticTask()
        let model = try References.model(for: task)
        let prompts = Array(task.evalPrompts.prefix(20))
        let report = try PairEvaluation(samplesPerPrompt: 2, sampling: task.sampling, seed: 3)
            .run(model: model, baseline: model, prompts: prompts, judge: LengthJudge())
        let mine = report.rows.flatMap(\.modelResponses), theirs = report.rows.flatMap(\.baselineResponses)
        #expect(report.modelMeanReward == Double(mine.map(\.count).reduce(0, +)) / Double(mine.count))
        #expect(report.baselineMeanReward == Double(theirs.map(\.count).reduce(0, +)) / Double(theirs.count))
        let ties = zip(mine, theirs).filter { $0.count == $1.count }.count
        #expect(report.tieRate == Double(ties) / Double(mine.count))
        #expect(report.modelMeanLength == report.modelMeanReward, "ASCII responses: one token per character")
    }
}
