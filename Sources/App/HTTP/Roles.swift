import Storage

/// Role sets used by the routes.
enum Roles {
    static let everyone: Set<Role> = Set(Role.allCases)
    static let researchers: Set<Role> = [.admin, .researcher]
    static let annotators: Set<Role> = [.admin, .researcher, .annotator]
    static let readers: Set<Role> = [.admin, .researcher, .ci]
}
