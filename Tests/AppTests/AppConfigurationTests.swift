import App
import Storage
import Testing

@Suite struct AppConfigurationTests {
    @Test func defaultsServeSQLiteOnLoopback() throws {
        let config = try AppConfiguration.resolve(host: nil, port: nil, database: nil, workers: nil, logLevel: nil, environment: [:])
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 8080)
        #expect(config.database == .sqlite(path: "data/preflab.sqlite"))
        #expect(config.logLevel == .info)
    }

    @Test func environmentFillsWhatFlagsLeaveOut() throws {
        let environment = ["PREFLAB_HOST": "::1", "PREFLAB_PORT": "9001", "PREFLAB_DATABASE": "postgres://u@h/db",
                           "PREFLAB_WORKERS": "8", "PREFLAB_LOG_LEVEL": "DEBUG"]
        let config = try AppConfiguration.resolve(host: nil, port: 7000, database: nil, workers: nil, logLevel: nil, environment: environment)
        #expect(config.host == "::1")
        #expect(config.port == 7000)  // the flag wins
        #expect(config.database == .postgres(url: "postgres://u@h/db"))
        #expect(config.workers == 8)
        #expect(config.logLevel == .debug)
    }

    @Test(arguments: [
        ([String: String](), 70000, "--port"),
        (["PREFLAB_PORT": "eighty"], nil, "PREFLAB_PORT"),
        (["PREFLAB_WORKERS": "0"], nil, "--workers"),
        (["PREFLAB_LOG_LEVEL": "loud"], nil, "--log-level"),
        (["PREFLAB_DATABASE": "mysql://x"], nil, "--database"),
    ] as [([String: String], Int?, String)])
    func invalidSettingsNameTheSetting(environment: [String: String], port: Int?, setting: String) {
        #expect {
            _ = try AppConfiguration.resolve(host: nil, port: port, database: nil, workers: nil, logLevel: nil, environment: environment)
        } throws: { error in
            (error as? ConfigurationError)?.message.contains(setting) == true
        }
    }
}

/// The first-request deadline: flag over variable over default, and out-of-range values named.
@Suite struct FirstRequestTimeoutConfigurationTests {
    @Test func flagThenEnvironmentThenDefault() throws {
        let none = try AppConfiguration.resolve(host: nil, port: nil, database: nil, workers: nil, logLevel: nil, environment: [:])
        #expect(none.firstRequestTimeout == 5)
        let environment = ["PREFLAB_FIRST_REQUEST_TIMEOUT": "2.5"]
        let fromEnvironment = try AppConfiguration.resolve(host: nil, port: nil, database: nil, workers: nil, logLevel: nil,
                                                           environment: environment)
        #expect(fromEnvironment.firstRequestTimeout == 2.5)
        let fromFlag = try AppConfiguration.resolve(host: nil, port: nil, database: nil, workers: nil, logLevel: nil,
                                                    firstRequestTimeout: 1, environment: environment)
        #expect(fromFlag.firstRequestTimeout == 1)
    }

    @Test(arguments: ["0", "-1", "nan", "abc", "100000"])
    func badValuesNameTheSetting(value: String) {
        #expect(throws: ConfigurationError.self) {
            _ = try AppConfiguration.resolve(host: nil, port: nil, database: nil, workers: nil, logLevel: nil,
                                             environment: ["PREFLAB_FIRST_REQUEST_TIMEOUT": value])
        }
    }
}
