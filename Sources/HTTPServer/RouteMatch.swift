/// The outcome of one route lookup, carried on the `ServerRequest` from routing to the handler.
struct RouteMatch: Sendable {
    let found: Result<Router.Found, RoutingError>
}
