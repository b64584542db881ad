import Storage

/// Who is calling: the token's id, name and role. An annotator's name is the
/// annotator recorded on its judgements.
struct Principal: Sendable {
    let tokenID: String
    let name: String
    let role: Role
}
