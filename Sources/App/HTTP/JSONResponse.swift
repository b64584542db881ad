import Foundation
import HTTPServer
import Storage

/// JSON responses with snake_case keys and ISO 8601 times.
enum JSONResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(ISO8601Time.string(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func make<T: Encodable>(_ value: T, status: HTTPStatusCode = .ok) throws -> ServerResponse {
        ServerResponse(status: status.status, contentType: "application/json", body: Array(try encoder.encode(value)))
    }
}
