public import Logging

/// `--log-format` / `PREFLAB_LOG_FORMAT` of `serve` and `worker`.
public enum LogFormat: String, Sendable, CaseIterable {
    /// swift-log's `key=value` lines, for a terminal.
    case text
    /// One JSON object per line (``JSONLogHandler``), for a log collector.
    case json

    /// The flag's value, else the variable's, else `text`; nil (with the message to show) when unknown.
    public static func resolve(_ flag: String?, environment: [String: String]) -> Result<LogFormat, ConfigurationError> {
        guard let name = flag ?? environment["PREFLAB_LOG_FORMAT"] else { return .success(.text) }
        guard let format = LogFormat(rawValue: name.lowercased()) else {
            return .failure(ConfigurationError("--log-format / PREFLAB_LOG_FORMAT must be text or json, got '\(name)'"))
        }
        return .success(format)
    }

    /// Installs the process's log handler (once, before the first logger is made).
    public func bootstrap(level: Logger.Level) {
        switch self {
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        }
    }
}
