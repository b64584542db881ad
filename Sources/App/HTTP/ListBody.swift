import Storage

/// `{"items": [...], "next_page_token": ...}`.
struct ListBody<Item: Encodable & Sendable>: Encodable, Sendable {
    var items: [Item]
    var nextPageToken: String?
}
