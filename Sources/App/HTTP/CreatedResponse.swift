import HTTP1
import HTTPServer
import Storage

/// What a create handler produced, ready to store under an `Idempotency-Key`.
struct CreatedResponse: Sendable {
    var status: HTTPStatus
    var body: [UInt8]
    var location: String?

    /// 201 with the one record and its `Location`, or with `{"items": [...]}` for a batch.
    static func records<Item: Encodable & Sendable>(_ items: [Item], single: Bool, location: (Item) -> String) throws -> CreatedResponse {
        if single, let first = items.first {
            return CreatedResponse(status: .created, body: Array(try JSONResponse.encoder.encode(first)), location: location(first))
        }
        return CreatedResponse(status: .created, body: Array(try JSONResponse.encoder.encode(ListBody(items: items, nextPageToken: nil))))
    }

    var response: ServerResponse {
        var response = ServerResponse(status: status, contentType: "application/json", body: body)
        if let location { response.headers.add(name: "Location", value: location) }
        return response
    }
}
