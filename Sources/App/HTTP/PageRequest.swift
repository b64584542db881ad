import HTTPServer
import Storage

/// `page_size` and `page_token` from the query.
struct PageRequest {
    var size: Int
    var after: String?

    /// `decode` turns the token back into the cursor (by default, the last id returned).
    init(_ request: ServerRequest, defaultSize: Int = 50, maxSize: Int = 1000,
         decode: (String) -> String? = PageToken.decode) throws {
        size = defaultSize
        if let text = request.query("page_size") {
            guard let value = Int(text), (1...maxSize).contains(value) else {
                throw AppError(.badRequest, code: "invalid_parameter", detail: "page_size must be an integer from 1 to \(maxSize)", field: "page_size")
            }
            size = value
        }
        if let token = request.query("page_token"), !token.isEmpty {
            guard let id = decode(token) else {
                throw AppError(.badRequest, code: "invalid_parameter", detail: "page_token is not one this server issued", field: "page_token")
            }
            after = id
        }
    }
}
