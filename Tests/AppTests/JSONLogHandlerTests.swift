import App
import Foundation
import Logging
import Synchronization
import Testing

/// `--log-format json`: every line one JSON object, whatever the message and metadata hold.
@Suite struct JSONLogHandlerTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    @Test func eachRecordIsOneParsableLineWithEscapedValues() throws {
        let captured = Lines()
        var logger = Logger(label: "preflab.test") { label in JSONLogHandler(label: label, level: .info) { captured.append($0) } }
        logger[metadataKey: "request_id"] = "req_1"
        logger.info("run \"x\"\nfailed\u{1}", metadata: [
            "run_id": "run_1", "error": "line one\nline two \\ \"quoted\"", "nested": ["a": ["1", "2"]],
        ])
        logger.debug("below the level")
        let text = captured.all.joined()
        #expect(captured.all.count == 1 && text.hasSuffix("}\n") && text.filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["msg"] as? String == "run \"x\"\nfailed\u{1}")
        #expect(object["level"] as? String == "info" && object["logger"] as? String == "preflab.test")
        #expect(object["request_id"] as? String == "req_1" && object["run_id"] as? String == "run_1")
        #expect(object["error"] as? String == "line one\nline two \\ \"quoted\"")
        #expect((object["nested"] as? [String: [String]])?["a"] == ["1", "2"])
        let stamp = try #require(object["ts"] as? String)
        #expect(stamp.count == 24 && stamp.hasSuffix("Z"), "RFC 3339 with milliseconds: \(stamp)")
        #expect(abs((ISO8601DateFormatter.withFractions.date(from: stamp)?.timeIntervalSinceNow ?? 1e9)) < 600)
    }

    @Test func logFormatResolvesFromFlagThenEnvironment() throws {
        #expect(try LogFormat.resolve(nil, environment: [:]).get() == .text)
        #expect(try LogFormat.resolve(nil, environment: ["PREFLAB_LOG_FORMAT": "JSON"]).get() == .json)
        #expect(try LogFormat.resolve("text", environment: ["PREFLAB_LOG_FORMAT": "json"]).get() == .text)
        #expect(throws: ConfigurationError.self) { try LogFormat.resolve("yaml", environment: [:]).get() }
    }
}

extension ISO8601DateFormatter {
    static var withFractions: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
