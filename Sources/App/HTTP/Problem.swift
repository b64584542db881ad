import Foundation
public import HTTP1
public import HTTPServer
import Alignment
import Policy
import Service
import Storage

/// An RFC 9457 problem document, the body of every error response.
public struct Problem: Codable, Sendable, Equatable {
    /// A URI reference naming the problem type: `/problems/<code>`.
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String?
    /// The request id, so a report can be matched with the server's logs.
    public var instance: String?
    /// A stable, machine-readable code (`not_found`, `invalid_field`, ...).
    public var code: String
    /// The offending request field, as a JSON pointer-ish path (`choice`, `items[3].choice`).
    public var field: String?
    /// Every problem found, for inputs checked as a whole (JSONL imports: one per bad line).
    public var errors: [FieldError]?

    public init(status: HTTPStatus, code: String, detail: String?, field: String? = nil, instance: String? = nil,
                errors: [FieldError]? = nil) {
        self.errors = errors
        self.type = "/problems/\(code)"
        self.title = status.reasonPhrase
        self.status = status.code
        self.detail = detail
        self.instance = instance
        self.code = code
        self.field = field
    }

    /// The response carrying this document as `application/problem+json`.
    public var response: ServerResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(self)).map(Array.init) ?? Array(#"{"status":500,"code":"internal"}"#.utf8)
        return ServerResponse(status: HTTPStatus(code: status, reasonPhrase: title), contentType: "application/problem+json", body: body)
    }
}

/// One problem with one part of the input.
public struct FieldError: Codable, Sendable, Equatable {
    /// 1-based line of a JSONL body, when the input has lines.
    public var line: Int?
    public var field: String
    public var message: String

    public init(line: Int? = nil, field: String, message: String) {
        self.line = line
        self.field = field
        self.message = message
    }
}

/// An error a handler throws on purpose; mapped to a problem document in `ErrorMapping`.
public struct AppError: Error, Sendable, Equatable {
    public var status: HTTPStatus
    public var code: String
    public var detail: String
    public var field: String?
    public var errors: [FieldError]?

    public init(_ status: HTTPStatus, code: String, detail: String, field: String? = nil, errors: [FieldError]? = nil) {
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field
        self.errors = errors
    }

    /// A 4xx for one invalid request field.
    public static func invalidField(_ field: String, _ detail: String) -> AppError {
        AppError(.unprocessableContent, code: "invalid_field", detail: detail, field: field)
    }
}

/// The one place where errors become HTTP responses.
public enum ErrorMapping {
    /// Maps a handler or routing error; anything unexpected is an opaque 500 naming the request id.
    public static func response(for error: any Error, request: ServerRequest) -> ServerResponse {
        let instance = request.requestID.isEmpty ? nil : request.requestID
        switch error {
        case let error as AppError:
            var response = Problem(status: error.status, code: error.code, detail: error.detail, field: error.field, instance: instance,
                                   errors: error.errors).response
            if error.status.code == 401 { response.headers.add(name: "WWW-Authenticate", value: bearerChallenge(for: request)) }
            return response
        case let error as RunSpecError:
            return Problem(status: .unprocessableContent, code: "invalid_field", detail: error.message,
                           field: error.field.isEmpty ? nil : error.field, instance: instance).response
        case let error as TrainingSpecError:
            return Problem(status: .unprocessableContent, code: "invalid_field", detail: error.message, field: error.field, instance: instance).response
        case let error as MissingReference:
            return Problem(status: .unprocessableContent, code: "unknown_reference",
                           detail: "\(error.field) refers to '\(error.id)', which does not exist", field: error.field, instance: instance).response
        case let error as MissingRecord:
            // A route that did not name the field (`AppError.naming`): the record's usual id field.
            return response(for: AppError(error, field: "\(error.entity.rawValue)_id"), request: request)
        case let error as StateConflict:
            return response(for: AppError(error, field: "comparison_id"), request: request)
        case let error as PolicyError:
            // Input the model cannot take (token ids, lengths, sampling settings) that got past validation.
            return Problem(status: .unprocessableContent, code: "invalid_model_input", detail: error.message, instance: instance).response
        case is IdempotencyKeyInFlight:
            var response = Problem(status: .conflict, code: "idempotency_key_in_flight", detail: "a request with this Idempotency-Key "
                                   + "is still in progress; retry to get its response", field: "Idempotency-Key", instance: instance).response
            response.headers.add(name: "Retry-After", value: "1")
            return response
        case let error as StorageError:
            switch error.code {
            case .unavailable, .busy:
                var response = Problem(status: .serviceUnavailable, code: "store_unavailable",
                                       detail: "the store is unavailable; retry later", instance: instance).response
                response.headers.add(name: "Retry-After", value: "1")
                return response
            case .conflict:
                return Problem(status: .conflict, code: "conflict", detail: "a record with this identity already exists", instance: instance).response
            case .constraint:
                return Problem(status: .unprocessableContent, code: "constraint_violation",
                               detail: "the request breaks a data constraint", instance: instance).response
            case .migration, .failed:
                return Problem(status: .internalServerError, code: "internal",
                               detail: "an internal error occurred; quote the request id when reporting it", instance: instance).response
            }
        case let error as RoutingError:
            switch error.kind {
            case .notFound:
                return Problem(status: .notFound, code: "not_found", detail: "no route for \(error.path)", instance: instance).response
            case .methodNotImplemented:
                return Problem(status: .notImplemented, code: "method_not_implemented",
                               detail: "method \(error.method) is not implemented", instance: instance).response
            case .methodNotAllowed(let allow):
                var response = Problem(status: .methodNotAllowed, code: "method_not_allowed",
                                       detail: "\(error.method) is not allowed on \(error.path)", instance: instance).response
                response.headers.add(name: "Allow", value: allow.joined(separator: ", "))
                return response
            }
        case let error as HTTPParseError:
            return response(for: error)
        default:
            return Problem(status: .internalServerError, code: "internal",
                           detail: "an internal error occurred; quote the request id when reporting it", instance: instance).response
        }
    }

    /// RFC 6750 §3: every 401 names the scheme; when a bearer token was sent and refused, also why.
    static func bearerChallenge(for request: ServerRequest) -> String {
        let sentToken = request.headers["authorization"].map { $0.lowercased().hasPrefix("bearer ") } ?? false
        return sentToken ? #"Bearer realm="preflab", error="invalid_token""# : #"Bearer realm="preflab""#
    }

    /// The problem document for a request the parser rejected (400, 408, 413, 414, 431, 501, 505).
    public static func response(for error: HTTPParseError) -> ServerResponse {
        Problem(status: error.status, code: error.code.rawValue, detail: error.detail).response
    }
}
