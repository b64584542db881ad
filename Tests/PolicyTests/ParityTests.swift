import Foundation
import Policy
import Tensor
import Testing

/// Logits and log-probs against PyTorch (float64) for the same architecture and weights; the
/// fixture is made by Fixtures/make_fixture.py.
@Suite struct ParityTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func load() throws -> (GPT, Safetensors) {
        let weights = try Safetensors(contentsOf: Self.fixtures.appendingPathComponent("gpt_tiny.safetensors"))
        let expected = try Safetensors(contentsOf: Self.fixtures.appendingPathComponent("expected.safetensors"))
        return (try GPT.load(weights).model, expected)
    }

    @Test func logitsMatchPyTorch() throws {
        let (model, expected) = try load()
        #expect(model.config == GPTConfig(layers: 2, dim: 16, heads: 2, context: 16, vocab: 259))
        guard let tokens = expected.tensors["tokens"], let ref = expected.tensors["logits"] else {
            Issue.record("fixture incomplete")
            return
        }
        let logits = try model.logits(tokens: tokens.data.map { Int32($0) }, batch: 2, time: 10)
        #expect(logits.shape == ref.shape)
        let worst = zip(logits.data, ref.data).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "max |Δlogit| = \(worst)")
    }

    @Test func logProbsMatchPyTorch() throws {
        let (model, expected) = try load()
        guard let tokens = expected.tensors["tokens"], let scored = expected.tensors["scored"],
              let sum = expected.tensors["logp_sum"], let mean = expected.tensors["logp_mean"] else {
            Issue.record("fixture incomplete")
            return
        }
        let batch = try SequenceBatch(tokens: tokens.data.map { Int32($0) }, scored: scored.data, batch: 2, time: 10)
        let lp = try model.sequenceLogProbs(batch)
        for i in 0..<2 {
            #expect(abs(lp.sum[i] - sum.data[i]) < 1e-4, "sum[\(i)] \(lp.sum[i]) vs \(sum.data[i])")
            #expect(abs(lp.mean[i] - mean.data[i]) < 1e-4, "mean[\(i)] \(lp.mean[i]) vs \(mean.data[i])")
        }
    }
}

/// Ours load in Python: a checkpoint written here is read by `safetensors` + PyTorch (through
/// make_fixture.py --check) and gives the same logits. Needs a Python with torch, so it runs only
/// when `PREFLAB_PYTHON` names one (a venv's `bin/python` with torch, safetensors and numpy from PyPI).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["PREFLAB_PYTHON"] != nil))
struct PythonLoadsOurCheckpointTests {
    @Test func pytorchReproducesOurLogits() throws {
        let python = try #require(ProcessInfo.processInfo.environment["PREFLAB_PYTHON"])
        let model = try GPT(config: GPTConfig(layers: 2, dim: 16, heads: 2, context: 16), seed: 42)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swift-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        var opt = AdamW(parameterCount: model.parameterCount)
        opt.step = 3
        try model.checkpoint(optimizer: opt).write(to: url)
        let ours = try model.logits(tokens: [256, 1, 2, 3], batch: 1, time: 4).data.reduce(0, +)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [ParityTests.fixtures.appendingPathComponent("make_fixture.py").path, "--check", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let reply = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let theirs = try #require(reply["logits_sum"] as? Double)
        #expect(abs(Double(ours) - theirs) < 1e-3, "ours \(ours) vs torch \(theirs)")
    }
}
