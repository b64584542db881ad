import HTTP1
import HTTPServer
import Storage

/// The statuses JSON responses use.
enum HTTPStatusCode {
    case ok, created, accepted

    var status: HTTPStatus {
        switch self {
        case .ok: .ok
        case .created: .created
        case .accepted: .accepted
        }
    }
}
