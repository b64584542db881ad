import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Storage
import Testing
import TestSupport

/// `preflab eval` as a CI job runs it: the built binary, against a live server or embedded on a store,
/// judged by its exit code and its report files.
@Suite struct EvalCommandTests {
    struct Outcome {
        var code: Int32
        var output: String
        var errors: String
    }

    /// Runs `preflab eval …` to completion.
    func eval(_ arguments: [String], token: String? = nil) throws -> Outcome {
        let binary = try #require(ServerProcess.binary, "build the preflab product first")
        let process = Process()
        process.executableURL = binary
        process.arguments = ["eval"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PREFLAB_MIGRATIONS_DIR"] = TestStores.migrator.directory.path
        environment["PREFLAB_TOKEN"] = token
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile(), errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(code: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
                       errors: String(decoding: errors, as: UTF8.self))
    }

    func scratch(_ name: String) -> String {
        let directory = TestStores.scratchDirectory("eval")
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory + "/" + name
    }

    func model(_ app: AppFixture, seed: Int) throws -> String {
        let tiny: [String: Any] = ["layers": 1, "dim": 32, "heads": 2, "context": 48]
        let created = try app.call("POST", "/v1/models", as: "researcher", json: ["name": "m\(seed)", "architecture": tiny, "seed": seed])
        return try #require(created.json["id"] as? String, "\(created)")
    }

    /// A model against itself: the interval holds ½, so a 0.55 bar fails with exit 1 (on the point estimate
    /// and on the lower bound) and the reports say why.
    @Test func aModelAgainstItselfFailsAHighBar() throws {
        let app = try AppFixture(.sqlite)
        let id = try model(app, seed: 1)
        let junit = scratch("self.xml"), json = scratch("self.json"), markdown = scratch("self.md")
        let run = try eval(["--server", "http://127.0.0.1:\(app.port)", "--model", id, "--baseline", id, "--samples-per-prompt", "2",
                            "--min-win-rate", "0.55", "--junit", junit, "--json", json, "--markdown", markdown], token: app.tokens["ci"])
        #expect(run.code == 1, "\(run)")
        #expect(run.output.contains("FAIL"))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        #expect(report["passed"] as? Bool == false && report["exit_code"] as? Int == 1)
        let result = try #require((report["evaluation"] as? [String: Any])?["result"] as? [String: Any])
        let low = try #require(result["win_rate_low"] as? Double), high = try #require(result["win_rate_high"] as? Double)
        #expect(low <= 0.5 && 0.5 <= high)
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        try JUnitShape.check(xml, tests: 1, failures: 1, errors: 0)
        #expect(try String(contentsOfFile: markdown, encoding: .utf8).contains("❌ fail"))
        let lower = try eval(["--server", "http://127.0.0.1:\(app.port)", "--model", id, "--baseline", id, "--samples-per-prompt", "2",
                              "--min-win-rate", "0.51", "--gate", "lower"], token: app.tokens["ci"])
        #expect(lower.code == 1, "the lower bound of an even match is at most ½: \(lower)")

        // The point estimate against a low bar passes; the second evaluation sees the first as history.
        let pass = try eval(["--server", "http://127.0.0.1:\(app.port)", "--model", id, "--baseline", id, "--samples-per-prompt", "2",
                             "--min-win-rate", "0.3", "--gate", "point", "--max-regression", "0.2", "--json", json], token: app.tokens["ci"])
        #expect(pass.code == 0, "\(pass)")
        let second = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        #expect((second["history"] as? [Double])?.count == 2, "the two earlier evaluations of the pair")
    }

    /// A DPO-trained policy beats its reference: its win rate clears 0.52 and the job passes.
    @Test func aDPOTrainedModelPassesAgainstItsReference() throws {
        let app = try AppFixture(.sqlite)
        func run(_ body: [String: Any]) throws -> [String: Any] {
            let posted = try app.call("POST", "/v1/runs", as: "researcher", json: body)
            #expect(posted.status == 202, "\(posted)")
            return try RunRouteTests.finished(app, try #require(posted.json["id"] as? String), seconds: 300)
        }
        let task: [String: Any] = ["kind": "text", "name": "arithmetic"]
        let reference = try #require(try run(["algorithm": "sft", "task": task, "seed": 1, "hyperparameters": ["eval_samples": 0]])["output_model_id"] as? String)
        let trained = try #require(try run(["algorithm": "dpo", "model": reference, "task": task, "seed": 2,
                                            "hyperparameters": ["eval_samples": 0]])["output_model_id"] as? String)
        let junit = scratch("dpo.xml")
        let result = try eval(["--server", "http://127.0.0.1:\(app.port)", "--model", trained, "--baseline", reference,
                               "--samples-per-prompt", "16", "--min-win-rate", "0.52", "--junit", junit], token: app.tokens["ci"])
        #expect(result.code == 0, "\(result)")
        try JUnitShape.check(try String(contentsOfFile: junit, encoding: .utf8), tests: 1, failures: 0, errors: 0)
    }

    @Test func embeddedOnAStoreWithNoServer() throws {
        let app = try AppFixture(.sqlite)
        let id = try model(app, seed: 3)
        guard case .sqlite(let path) = app.app.configuration.database else { return }
        let run = try eval(["--database", "sqlite:\(path)", "--model", id, "--baseline", id, "--samples-per-prompt", "1",
                            "--min-win-rate", "0.2", "--gate", "point"])
        #expect(run.code == 0, "\(run)")
        #expect(run.output.contains("win rate"))
        #expect(try app.count("evaluations") == 1, "stored like any other evaluation")
    }

    @Test func infrastructureAndUsageErrorsExitTwo() throws {
        let junit = scratch("down.xml")
        let down = try eval(["--server", "http://127.0.0.1:9", "--model", "a", "--baseline", "b", "--min-win-rate", "0.5", "--junit", junit])
        #expect(down.code == 2, "\(down)")
        #expect(down.errors.contains("unreachable"))
        try JUnitShape.check(try String(contentsOfFile: junit, encoding: .utf8), tests: 1, failures: 0, errors: 1)
        #expect(try eval(["--model", "a"]).code == 2, "missing options")
        #expect(try eval(["--server", "http://x", "--database", "sqlite:x", "--model", "a", "--baseline", "b"]).code == 2)
        #expect(try eval(["--server", "http://x", "--model", "a", "--baseline", "b", "--gate", "median"]).code == 2)
        #expect(try eval(["--help"]).output.contains("Exit codes"))

        let app = try AppFixture(.sqlite)
        let unknown = try eval(["--server", "http://127.0.0.1:\(app.port)", "--model", "mdl_missing", "--baseline", "mdl_missing"], token: app.tokens["ci"])
        #expect(unknown.code == 2 && unknown.errors.contains("model"), "\(unknown)")
        let forbidden = try eval(["--server", "http://127.0.0.1:\(app.port)", "--model", "a", "--baseline", "b"], token: app.tokens["ann1"])
        #expect(forbidden.code == 2 && forbidden.errors.contains("403"), "\(forbidden)")
    }
}

/// The JUnit XML structure CI systems read (Jenkins' junit-10.xsd, GitLab, GitHub reporters): a
/// `testsuites` root holding `testsuite` elements with their counts, holding `testcase` elements with
/// `name`/`classname`/`time`, each holding at most one `failure` or `error` with a `message`.
enum JUnitShape {
    static func check(_ xml: String, tests: Int, failures: Int, errors: Int) throws {
        let document = try XMLDocument(xmlString: xml)
        let root = try #require(document.rootElement())
        #expect(root.name == "testsuites")
        let suites = root.elements(forName: "testsuite")
        #expect(suites.count == 1)
        let suite = try #require(suites.first)
        for attribute in ["name", "tests", "failures", "errors", "time", "timestamp"] {
            #expect(suite.attribute(forName: attribute) != nil, "testsuite@\(attribute)")
        }
        #expect(suite.attribute(forName: "tests")?.stringValue == String(tests))
        #expect(suite.attribute(forName: "failures")?.stringValue == String(failures))
        #expect(suite.attribute(forName: "errors")?.stringValue == String(errors))
        let cases = suite.elements(forName: "testcase")
        #expect(cases.count == tests)
        for testCase in cases {
            #expect(testCase.attribute(forName: "name") != nil && testCase.attribute(forName: "classname") != nil)
            #expect(Double(testCase.attribute(forName: "time")?.stringValue ?? "") != nil)
            let outcomes = testCase.elements(forName: "failure") + testCase.elements(forName: "error")
            #expect(outcomes.count <= 1)
            #expect(outcomes.allSatisfy { $0.attribute(forName: "message") != nil })
        }
        #expect(cases.flatMap { $0.elements(forName: "failure") }.count == failures)
        #expect(cases.flatMap { $0.elements(forName: "error") }.count == errors)
    }
}
