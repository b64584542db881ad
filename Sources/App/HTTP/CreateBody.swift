import Storage

/// A body that is either one object or `{"items": [...]}`: the batch form of a create route.
enum CreateBody {
    case single(JSONObject)
    case batch([JSONObject])

    static func parse(_ body: [UInt8], maxItems: Int = 1000) throws -> CreateBody {
        let top = try JSONObject.object(try JSONObject.parse(body), path: "")
        guard let items = top.fields["items"] else { return .single(top) }
        try top.rejectUnknown(["items"])
        guard case .array(let array) = items, !array.isEmpty else {
            throw AppError.invalidField("items", "items must be a non-empty array")
        }
        guard array.count <= maxItems else { throw AppError.invalidField("items", "items holds at most \(maxItems) entries") }
        return .batch(try array.enumerated().map { try JSONObject.object($1, path: "items[\($0)]") })
    }

    var isSingle: Bool {
        if case .single = self { return true }
        return false
    }

    var objects: [JSONObject] {
        switch self {
        case .single(let object): [object]
        case .batch(let objects): objects
        }
    }

    /// Error-field prefix for item `index`.
    func prefix(_ index: Int) -> String {
        if case .batch = self { return "items[\(index)]." }
        return ""
    }
}
