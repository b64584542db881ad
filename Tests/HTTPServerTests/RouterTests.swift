import HTTP1
import HTTPServer
import Testing

@Suite struct RouterTests {
    func request(_ method: HTTPMethod, _ path: String) -> ServerRequest {
        ServerRequest(http: HTTPRequest(method: method, target: path, rawPath: path))
    }

    func router() -> Router {
        var router = Router()
        router.get("/v1/runs") { _ in .text("list") }
        router.post("/v1/runs") { _ in .text("create") }
        router.get("/v1/runs/:id") { request in .text("run \(request.parameters["id"] ?? "?")") }
        router.get("/v1/runs/active") { _ in .text("active") }
        router.get("/v1/runs/:id/metrics") { request in .text("metrics \(request.parameters["id"] ?? "?")") }
        return router
    }

    func body(_ response: ServerResponse) -> String {
        guard case .bytes(let bytes) = response.body else { return "<stream>" }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func matchesMethodAndPath() {
        #expect(body(router().respond(to: request(.get, "/v1/runs"))) == "list")
        #expect(body(router().respond(to: request(.post, "/v1/runs"))) == "create")
    }

    /// The server routes a request once: the route, its parameters and its execution travel on the routed request,
    /// and answering it runs that route's handler without looking the path up again (here the path is changed
    /// after routing, and the handler routed to still answers).
    @Test func aRoutedRequestIsAnsweredByTheRouteFoundOnce() {
        var inline = router()
        inline.get("/livez", execution: .inline) { _ in .text("live") }
        var routed = inline.route(HTTPRequest(method: .get, target: "/v1/runs/r7", rawPath: "/v1/runs/r7"))
        #expect(routed.route == "/v1/runs/:id")
        #expect(routed.parameters == ["id": "r7"])
        #expect(inline.execution(for: routed) == .blocking)
        routed.http.rawPath = "/v1/runs/active"
        #expect(body(inline.respond(to: routed)) == "run r7")
        #expect(inline.execution(for: inline.route(HTTPRequest(method: .get, target: "/livez", rawPath: "/livez"))) == .inline)
        // A routing failure is found once too, and answered inline.
        let missing = inline.route(HTTPRequest(method: .get, target: "/nope", rawPath: "/nope"))
        #expect(missing.route == nil)
        #expect(inline.execution(for: missing) == .inline)
        #expect(inline.respond(to: missing).status == .notFound)
    }

    @Test func pathParametersArePercentDecoded() {
        #expect(body(router().respond(to: request(.get, "/v1/runs/a%20b"))) == "run a b")
        #expect(body(router().respond(to: request(.get, "/v1/runs/r1/metrics"))) == "metrics r1")
    }

    @Test func staticSegmentWinsOverParameter() {
        #expect(body(router().respond(to: request(.get, "/v1/runs/active"))) == "active")
    }

    @Test func trailingSlashAndDoubleSlashMatchTheSameRoute() {
        #expect(body(router().respond(to: request(.get, "/v1/runs/"))) == "list")
    }

    @Test func unknownPathIs404() {
        #expect(router().respond(to: request(.get, "/v2/nothing")).status == .notFound)
        #expect(router().respond(to: request(.get, "/v1/runs/x/y/z")).status == .notFound)
    }

    /// RFC 9110 §15.5.6: 405 must list the allowed methods.
    @Test func wrongMethodIs405WithAllow() {
        let response = router().respond(to: request(.delete, "/v1/runs"))
        #expect(response.status == .methodNotAllowed)
        #expect(response.headers["allow"] == "GET, HEAD, POST")
    }

    @Test func headIsServedByGet() {
        #expect(body(router().respond(to: request(.head, "/v1/runs"))) == "list")
    }

    /// An existing resource answers 405 to any method it lacks; RFC 9110 §9.1's 501
    /// is kept for an unrecognised method where there is no resource to ask about.
    @Test func unknownMethodIs405OnAResourceAnd501Elsewhere() {
        let onResource = router().respond(to: request(HTTPMethod("QUERY"), "/v1/runs"))
        #expect(onResource.status == .methodNotAllowed)
        #expect(onResource.headers["allow"] == "GET, HEAD, POST")
        #expect(router().respond(to: request(HTTPMethod("BREW"), "/nowhere")).status == .notImplemented)
    }

    @Test func middlewareWrapsInOrderAndSeesMappedErrors() {
        struct Tag: HTTPMiddleware {
            let name: String
            func respond(to request: ServerRequest, next: (ServerRequest) throws -> ServerResponse) throws -> ServerResponse {
                var response = try next(request)
                response.headers.add(name: "X-Trace", value: name)
                return response
            }
        }
        var router = router()
        router.add(middleware: Tag(name: "outer"))
        router.add(middleware: Tag(name: "inner"))
        let response = router.respond(to: request(.get, "/missing"))
        #expect(response.status == .notFound)
        #expect(response.headers.values(name: "x-trace") == ["inner", "outer"])
    }

    @Test func routeTemplateIsRecordedForMetrics() {
        struct Capture: HTTPMiddleware {
            func respond(to request: ServerRequest, next: (ServerRequest) throws -> ServerResponse) throws -> ServerResponse {
                var response = try next(request)
                response.headers.add(name: "X-Route", value: request.route ?? "none")
                return response
            }
        }
        var router = router()
        router.add(middleware: Capture())
        #expect(router.respond(to: request(.get, "/v1/runs/42/metrics")).headers["x-route"] == "/v1/runs/:id/metrics")
    }
}
