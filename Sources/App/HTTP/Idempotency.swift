import Crypto
import Foundation
import HTTP1
import HTTPServer
import Storage

/// What a create handler produced, ready to store under an `Idempotency-Key`.
struct CreatedResponse: Sendable {
    var status: HTTPStatus
    var body: [UInt8]
    var location: String?

    var response: ServerResponse {
        var response = ServerResponse(status: status, contentType: "application/json", body: body)
        if let location { response.headers.add(name: "Location", value: location) }
        return response
    }
}

/// Runs a create in one group-committed transaction, honouring `Idempotency-Key`
/// (IETF draft-ietf-httpapi-idempotency-key-header): a retry with the same key
/// and body gets the first response again; the same key with another body gets 422.
/// The key is stored in the same transaction as the data, so neither exists without the other.
enum Idempotency {
    static func create(_ request: ServerRequest, principal: Principal, database: Database,
                       _ write: @escaping @Sendable (any SQLConnection) throws -> CreatedResponse) throws -> ServerResponse {
        guard let key = request.headers["idempotency-key"] else {
            return try database.write(write).response
        }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw AppError(.badRequest, code: "invalid_idempotency_key", detail: "Idempotency-Key must be 1-255 visible ASCII characters",
                           field: "Idempotency-Key")
        }
        var hasher = SHA256()
        hasher.update(data: Data("\(request.method) \(request.route ?? request.http.rawPath)\n".utf8))
        hasher.update(data: request.body)
        let hash = hexString(hasher.finalize())
        let principalID = principal.tokenID
        let outcome: StoredResponse = try database.write { connection in
            if let stored = try IdempotencyRepository.find(principal: principalID, key: key, on: connection) { return stored }
            let created = try write(connection)
            let stored = StoredResponse(requestHash: hash, status: created.status.code, body: created.body, location: created.location)
            try IdempotencyRepository.save(principal: principalID, key: key, response: stored, on: connection)
            return stored
        }
        guard outcome.requestHash == hash else {
            throw AppError(.unprocessableContent, code: "idempotency_key_reused",
                           detail: "this Idempotency-Key was used with a different request", field: "Idempotency-Key")
        }
        var response = CreatedResponse(status: HTTPStatus(code: outcome.status), body: outcome.body, location: outcome.location).response
        response.headers.add(name: "Idempotency-Key", value: key)
        return response
    }
}

/// `page_size` and `page_token` from the query.
struct PageRequest {
    var size: Int
    var after: String?

    init(_ request: ServerRequest, defaultSize: Int = 50, maxSize: Int = 1000) throws {
        size = defaultSize
        if let text = request.query("page_size") {
            guard let value = Int(text), (1...maxSize).contains(value) else {
                throw AppError(.badRequest, code: "invalid_parameter", detail: "page_size must be an integer from 1 to \(maxSize)", field: "page_size")
            }
            size = value
        }
        if let token = request.query("page_token"), !token.isEmpty {
            guard let id = PageToken.decode(token) else {
                throw AppError(.badRequest, code: "invalid_parameter", detail: "page_token is not one this server issued", field: "page_token")
            }
            after = id
        }
    }
}

/// `{"items": [...], "next_page_token": ...}`.
struct ListBody<Item: Encodable & Sendable>: Encodable, Sendable {
    var items: [Item]
    var nextPageToken: String?
}
