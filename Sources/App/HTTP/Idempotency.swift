import Crypto
import Foundation
import HTTP1
import HTTPServer
import Storage

/// Runs a create in one group-committed transaction, honouring `Idempotency-Key`
/// (IETF draft-ietf-httpapi-idempotency-key-header): a retry with the same key
/// and body gets the first response again; the same key with another body gets 422.
/// The key is stored in the same transaction as the data, so neither exists without the other.
enum Idempotency {
    /// Blocking form: for handlers on a worker thread.
    static func create(_ request: ServerRequest, principal: Principal, database: Database,
                       _ write: @escaping @Sendable (any SQLConnection) throws -> CreatedResponse) throws -> ServerResponse {
        let plan = try Plan(request, principal: principal, write: write)
        return try plan.response(try database.write(plan.transaction))
    }

    /// Deferred form: for `.inline` handlers. The event loop parses and queues the
    /// write; the response is sent from the commit, and no thread waits for it.
    static func createDeferred(_ request: ServerRequest, principal: Principal, database: Database,
                               _ write: @escaping @Sendable (any SQLConnection) throws -> CreatedResponse) throws -> ServerResponse {
        let plan = try Plan(request, principal: principal, write: write)
        let promise = ResponsePromise()
        database.writeAsync(plan.transaction) { result in
            do {
                promise.succeed(try plan.response(try result.get()))
            } catch {
                promise.succeed(ErrorMapping.response(for: error, request: request))
            }
        }
        return .deferred(promise)
    }

    /// The request's `Idempotency-Key`, checked: 1-255 visible ASCII characters (else 400).
    static func key(_ request: ServerRequest) throws -> String? {
        guard let key = request.headers["idempotency-key"] else { return nil }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw AppError(.badRequest, code: "invalid_idempotency_key", detail: "Idempotency-Key must be 1-255 visible ASCII characters",
                           field: "Idempotency-Key")
        }
        return key
    }

    /// The transaction for one create, and how its stored outcome becomes the response.
    struct Plan: Sendable {
        let key: String?
        let hash: String
        let principalID: String
        let write: @Sendable (any SQLConnection) throws -> CreatedResponse

        init(_ request: ServerRequest, principal: Principal,
             write: @escaping @Sendable (any SQLConnection) throws -> CreatedResponse) throws {
            self.write = write
            principalID = principal.tokenID
            key = try Idempotency.key(request)
            if key != nil {
                var hasher = SHA256()
                hasher.update(data: Data("\(request.method) \(request.http.target)\n".utf8))
                hasher.update(data: request.body)
                hash = hexString(hasher.finalize())
            } else {
                hash = ""
            }
        }

        /// Runs the write, storing its response under the key in the same transaction;
        /// a key seen before returns the stored response instead.
        var transaction: @Sendable (any SQLConnection) throws -> StoredResponse {
            { [self] connection in
                if let key {
                    do {
                        try IdempotencyRepository.lock(principal: principalID, key: key, on: connection)
                    } catch let error as StorageError where error.code == .busy {
                        throw IdempotencyKeyInFlight(key: key)
                    }
                    if let stored = try IdempotencyRepository.find(principal: principalID, key: key, on: connection) { return stored }
                }
                let created = try write(connection)
                let stored = StoredResponse(requestHash: hash, status: created.status.code, body: created.body, location: created.location)
                if let key { try IdempotencyRepository.save(principal: principalID, key: key, response: stored, on: connection) }
                return stored
            }
        }

        func response(_ stored: StoredResponse) throws -> ServerResponse {
            guard stored.requestHash == hash else {
                throw AppError(.unprocessableContent, code: "idempotency_key_reused",
                               detail: "this Idempotency-Key was used with a different request", field: "Idempotency-Key")
            }
            var response = CreatedResponse(status: HTTPStatus(code: stored.status), body: stored.body, location: stored.location).response
            if let key { response.headers.add(name: "Idempotency-Key", value: key) }
            return response
        }
    }
}

/// The `dataset` query parameter of the import routes: 1-200 characters, no NUL.
func datasetParameter(_ request: ServerRequest) throws -> String? {
    guard let dataset = request.query("dataset") else { return nil }
    guard !dataset.isEmpty, dataset.unicodeScalars.count <= 200, !dataset.utf8.contains(0) else {
        throw AppError(.badRequest, code: "invalid_parameter", detail: "dataset must be 1-200 characters", field: "dataset")
    }
    return dataset
}
