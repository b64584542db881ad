import Foundation
import Testing

/// The throwaway PostgreSQL that `make test` starts. Under CI a missing server
/// is a failure, not a skip: a green CI must mean PostgreSQL was tested.
enum TestPostgres {
    static var url: String? { ProcessInfo.processInfo.environment["PREFLAB_TEST_DATABASE_URL"] }

    static func requireURL() throws -> String? {
        if let url { return url }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("PREFLAB_TEST_DATABASE_URL is not set under CI=true; run the tests through `make test`")
        }
        return nil
    }
}

/// The package root, found from this file's path.
enum PackageRoot {
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
