public import HTTP1

/// A request handler. Where it runs is its route's `Execution`: on a blocking-pool thread (the default,
/// where it may wait on a database or a lock) or inline on the event loop that read the request.
public typealias RequestHandler = @Sendable (ServerRequest) throws -> ServerResponse

/// Where a handler runs.
public enum Execution: Sendable, Hashable {
    /// On the event loop that read the request: for quick, CPU-only handlers
    /// (health checks, metrics, decoding). Saves a thread hand-off.
    case inline
    /// On a blocking-pool thread, for handlers that may wait (database, files, locks).
    case blocking
}

/// Something that turns any request into a response, never throwing: the
/// server's single entry point into the application.
public protocol HTTPResponder: Sendable {
    /// A complete request (or an `Expect: 100-continue` head) as the server hands it on. Routing happens here,
    /// once: what it found travels with the request to `execution(for:)`, `refusalBeforeContinue(for:)` and
    /// `respond(to:)`, which do not look the route up again.
    func route(_ request: HTTPRequest) -> ServerRequest
    func respond(to request: ServerRequest) -> ServerResponse
    /// Where the handler for `request` must run; `.blocking` unless known to be quick.
    func execution(for request: ServerRequest) -> Execution
    /// The largest body this route takes, when it differs from the server's limit.
    func maxBodyBytes(method: HTTPMethod, rawPath: String) -> Int?
    /// Past how many bytes this route's body is written to a file as it arrives instead of held in memory
    /// (`ServerRequest.spooledBody`); nil keeps bodies in memory.
    func spoolThreshold(method: HTTPMethod, rawPath: String) -> Int?
    /// Asked when a request sends `Expect: 100-continue`, before its body is read: a response
    /// here goes out instead of `100 Continue`, and the connection then closes.
    func refusalBeforeContinue(for head: ServerRequest) -> ServerResponse?
}

extension HTTPResponder {
    public func route(_ request: HTTPRequest) -> ServerRequest { ServerRequest(http: request) }
    public func refusalBeforeContinue(for head: ServerRequest) -> ServerResponse? { nil }
    public func execution(for request: ServerRequest) -> Execution { .blocking }
    public func maxBodyBytes(method: HTTPMethod, rawPath: String) -> Int? { nil }
    public func spoolThreshold(method: HTTPMethod, rawPath: String) -> Int? { nil }
}

/// Wraps the rest of the chain; registered on a `Router`, applied in order.
public protocol HTTPMiddleware: Sendable {
    func respond(to request: ServerRequest, next: (ServerRequest) throws -> ServerResponse) throws -> ServerResponse
}

/// Why routing found no handler; the `errorMapper` turns it into a response.
public struct RoutingError: Error, Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case notFound
        /// The path exists but not for this method; `allow` lists the methods that do.
        case methodNotAllowed(allow: [String])
        /// The method is not one the server implements at all (RFC 9110 §9.1).
        case methodNotImplemented
    }

    public let kind: Kind
    public let method: String
    public let path: String
}

/// A router with `:name` path parameters and method matching.
///
/// ```swift
/// var router = Router()
/// router.get("/v1/runs/:id") { request in
///     .text(request.parameters["id"] ?? "")
/// }
/// ```
/// Static segments win over parameters. `HEAD` is served by the `GET` handler
/// with the body dropped by the server. An unknown path gives `.notFound`, a
/// known path with another method `.methodNotAllowed` with its `Allow` list,
/// and an unknown method on an unknown path `.methodNotImplemented`.
public struct Router: HTTPResponder {
    private final class Node: @unchecked Sendable {  // mutated only while routes are added, before serving
        var children: [String: Node] = [:]
        var parameter: (name: String, node: Node)?
        var handlers: [HTTPMethod: (handler: RequestHandler, execution: Execution, maxBodyBytes: Int?, spoolAbove: Int?)] = [:]
        var pattern = ""
    }

    private var root = Node()
    private var middleware: [any HTTPMiddleware] = []
    /// Asked before `100 Continue` for a request whose route exists (the application checks the
    /// token here); what it throws is answered instead, so the client never sends the body.
    public var continueCheck: (@Sendable (ServerRequest) throws -> Void)?
    /// Turns thrown errors (including `RoutingError`) into responses.
    public var errorMapper: @Sendable (any Error, ServerRequest) -> ServerResponse

    public init(errorMapper: @escaping @Sendable (any Error, ServerRequest) -> ServerResponse = Router.plainErrorMapper) {
        self.errorMapper = errorMapper
    }

    /// Registers `handler` for `method` on `pattern` (`/a/:param/b`).
    /// `maxBodyBytes` overrides the server's body limit for this route (uploads); a body over `spoolAbove`
    /// bytes goes to a file as it arrives (`ServerRequest.spooledBody`), so the limit may exceed memory.
    public mutating func on(_ method: HTTPMethod, _ pattern: String, execution: Execution = .blocking, maxBodyBytes: Int? = nil,
                            spoolAbove: Int? = nil, handler: @escaping RequestHandler) {
        var node = root
        for segment in pattern.split(separator: "/") {
            if segment.hasPrefix(":") {
                let name = String(segment.dropFirst())
                if let existing = node.parameter {
                    precondition(existing.name == name, "conflicting parameter names at \(pattern)")
                    node = existing.node
                } else {
                    let child = Node()
                    node.parameter = (name, child)
                    node = child
                }
            } else {
                let key = String(segment)
                let child = node.children[key] ?? Node()
                node.children[key] = child
                node = child
            }
        }
        node.pattern = pattern
        node.handlers[method] = (handler, execution, maxBodyBytes, spoolAbove)
    }

    public mutating func get(_ pattern: String, execution: Execution = .blocking, handler: @escaping RequestHandler) {
        on(.get, pattern, execution: execution, handler: handler)
    }
    public mutating func post(_ pattern: String, execution: Execution = .blocking, maxBodyBytes: Int? = nil,
                              spoolAbove: Int? = nil, handler: @escaping RequestHandler) {
        on(.post, pattern, execution: execution, maxBodyBytes: maxBodyBytes, spoolAbove: spoolAbove, handler: handler)
    }
    public mutating func put(_ pattern: String, execution: Execution = .blocking, handler: @escaping RequestHandler) {
        on(.put, pattern, execution: execution, handler: handler)
    }
    public mutating func delete(_ pattern: String, execution: Execution = .blocking, handler: @escaping RequestHandler) {
        on(.delete, pattern, execution: execution, handler: handler)
    }

    /// Adds a middleware; the first added is the outermost.
    public mutating func add(middleware: any HTTPMiddleware) {
        self.middleware.append(middleware)
    }

    /// Looks the route up and keeps what it found (handler, parameters, pattern, or the routing error) on
    /// the request.
    public func route(_ request: HTTPRequest) -> ServerRequest {
        var routed = ServerRequest(http: request)
        let found = lookup(method: request.method, rawPath: request.rawPath)
        if case .success(let route) = found {
            routed.parameters = route.parameters
            routed.route = route.pattern
        }
        routed.match = RouteMatch(found: found)
        return routed
    }

    /// Routing failures are answered inline: they touch nothing that blocks.
    public func execution(for request: ServerRequest) -> Execution {
        (try? resolved(request).get().execution) ?? .inline
    }

    public func maxBodyBytes(method: HTTPMethod, rawPath: String) -> Int? {
        (try? lookup(method: method, rawPath: rawPath).get())?.maxBodyBytes
    }

    public func spoolThreshold(method: HTTPMethod, rawPath: String) -> Int? {
        (try? lookup(method: method, rawPath: rawPath).get())?.spoolAbove
    }

    /// An unknown route or method gets its final status before any body is sent; a known one
    /// is put to `continueCheck`. Either refusal passes through the middleware like any response.
    public func refusalBeforeContinue(for head: ServerRequest) -> ServerResponse? {
        var request = head
        switch resolved(head) {
        case .failure:
            return respond(to: head)
        case .success(let found):
            guard let continueCheck else { return nil }
            request.parameters = found.parameters
            request.route = found.pattern
            do {
                try continueCheck(request)
                return nil
            } catch {
                let refusal = error
                do {
                    return try runChain(from: 0, request) { _ in throw refusal }
                } catch {
                    return errorMapper(error, request)
                }
            }
        }
    }

    /// What `route(_:)` found, kept on the request; a request built without it is looked up when answered.
    private func resolved(_ request: ServerRequest) -> Result<Found, RoutingError> {
        request.match?.found ?? lookup(method: request.method, rawPath: request.http.rawPath)
    }

    struct Found: Sendable {
        var handler: RequestHandler
        var execution: Execution
        var maxBodyBytes: Int?
        var spoolAbove: Int?
        var parameters: [String: String]
        var pattern: String
    }

    func lookup(method: HTTPMethod, rawPath: String) -> Result<Found, RoutingError> {
        var node = root
        var parameters: [String: String] = [:]
        let path = rawPath.utf8
        var cursor = path.startIndex
        while cursor != path.endIndex {
            // The next non-empty segment, without building an array of them.
            guard path[cursor] != UInt8(ascii: "/") else {
                cursor = path.index(after: cursor)
                continue
            }
            let end = path[cursor...].firstIndex(of: UInt8(ascii: "/")) ?? path.endIndex
            let part = path[cursor..<end]
            cursor = end
            guard let segment = PercentDecoding.decode(part, plusAsSpace: false) else {
                return .failure(RoutingError(kind: .notFound, method: method.rawValue, path: rawPath))
            }
            if let child = node.children[segment] {
                node = child
            } else if let parameter = node.parameter {
                parameters[parameter.name] = segment
                node = parameter.node
            } else {
                return .failure(RoutingError(kind: .notFound, method: method.rawValue, path: rawPath))
            }
        }
        if let entry = node.handlers[method] ?? (method == .head ? node.handlers[.get] : nil) {
            return .success(Found(handler: entry.handler, execution: entry.execution, maxBodyBytes: entry.maxBodyBytes, spoolAbove: entry.spoolAbove,
                                  parameters: parameters, pattern: node.pattern))
        }
        if node.handlers.isEmpty {
            return .failure(RoutingError(kind: .notFound, method: method.rawValue, path: rawPath))
        }
        var allow = Set(node.handlers.keys.map(\.rawValue))
        if allow.contains("GET") { allow.insert("HEAD") }
        return .failure(RoutingError(kind: .methodNotAllowed(allow: allow.sorted()), method: method.rawValue, path: rawPath))
    }

    /// Routes, runs the middleware chain and the handler, and maps any error.
    public func respond(to request: ServerRequest) -> ServerResponse {
        var request = request
        let handler: RequestHandler
        switch resolved(request) {
        case .success(let found):
            request.parameters = found.parameters
            request.route = found.pattern
            handler = found.handler
        case .failure(let error):
            // An existing resource answers 405 to any other method, known or not (clients
            // such as schemathesis rely on it); elsewhere an unknown method is 501 (RFC 9110 §9.1).
            let unknownMethod = !HTTPMethod.standard.contains(request.method) && error.kind == .notFound
            let failure = unknownMethod ? RoutingError(kind: .methodNotImplemented, method: error.method, path: error.path) : error
            handler = { _ in throw failure }
        }
        do {
            return try runChain(from: 0, request, handler)
        } catch {
            return errorMapper(error, request)
        }
    }

    /// Middleware `index` and inward; errors become responses innermost, so
    /// middleware (metrics, request id) sees the final status.
    private func runChain(from index: Int, _ request: ServerRequest, _ handler: RequestHandler) throws -> ServerResponse {
        guard index < middleware.count else {
            do { return try handler(request) } catch { return errorMapper(error, request) }
        }
        return try middleware[index].respond(to: request) { try runChain(from: index + 1, $0, handler) }
    }

    /// A plain-text mapping used when the application installs none.
    public static let plainErrorMapper: @Sendable (any Error, ServerRequest) -> ServerResponse = { error, _ in
        guard let routing = error as? RoutingError else { return .text("internal error\n", status: .internalServerError) }
        switch routing.kind {
        case .notFound: return .text("not found\n", status: .notFound)
        case .methodNotImplemented: return .text("not implemented\n", status: .notImplemented)
        case .methodNotAllowed(let allow):
            var response = ServerResponse.text("method not allowed\n", status: .methodNotAllowed)
            response.headers.add(name: "Allow", value: allow.joined(separator: ", "))
            return response
        }
    }
}
