import ArgumentParser
import Foundation
import Storage

/// `preflab token create|list|revoke|rotate`: token administration straight on the store (for the first
/// tokens, and for an operator without an admin token). Each change is audited with the actor `cli`.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Manage bearer tokens.",
                                                    subcommands: [Create.self, List.self, Revoke.self, Rotate.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token and print its secret once.")

        @Option(help: "admin, researcher, annotator, ci or worker.")
        var role: String

        @Option(help: "Who holds it, unique among live tokens of its role; for an annotator, the name recorded on its judgements.")
        var name: String

        @Option(help: "Lifetime, e.g. 3600, 90s, 30m, 12h, 7d or 2w; never expires when omitted.")
        var expiresIn: String?

        @OptionGroup var store: DatabaseOption

        func validate() throws {
            guard Role(rawValue: role) != nil else {
                throw ValidationError("--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard !name.isEmpty, name.utf8.count <= 100, name.unicodeScalars.allSatisfy({ $0.properties.generalCategory != .control }) else {
                throw ValidationError("--name must be 1-100 characters on one line")
            }
            if let expiresIn { _ = try TokenLifetime.seconds(expiresIn) }
        }

        func run() throws {
            let location = try store.location()
            guard let role = Role(rawValue: role) else { throw ValidationError("unknown role") }
            let expiresAt = try expiresIn.map { Date().addingTimeInterval(TimeInterval(try TokenLifetime.seconds($0))) }
            let name = self.name
            let (token, secret) = try TokenCommand.withStore(location, "token create") { database in
                try database.write { connection -> (Token, secret: String) in
                    if let live = try TokenRepository.live(name: name, role: role, on: connection) {
                        throw StorageError(.conflict, "a live \(role.rawValue) token is already named '\(name)' (\(live.id)); revoke it or choose another name")
                    }
                    let created = try TokenRepository.create(name: name, role: role, expiresAt: expiresAt, on: connection)
                    try AuditRepository.record(actor: "cli", actorToken: nil, action: "token.create", target: created.0.id,
                                               detail: ["name": .string(name), "role": .string(role.rawValue)], on: connection)
                    return created
                }
            }
            let expiry = token.expiresAt.map { ", expires \(ISO8601Time.string($0))" } ?? ""
            FileHandle.standardError.write(Data("created token \(token.id) (\(role.rawValue) '\(name)'\(expiry)); the secret below is shown only once\n".utf8))
            print(secret)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens: id, role, name, created, last used, expiry, status.")

        @Option(help: "Only tokens of this role.")
        var role: String?

        @OptionGroup var store: DatabaseOption

        func validate() throws {
            if let role, Role(rawValue: role) == nil {
                throw ValidationError("--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() throws {
            let location = try store.location()
            let role = role.flatMap(Role.init(rawValue:))
            let tokens = try TokenCommand.withStore(location, "token list") { database in
                var all: [Token] = [], cursor: String?
                repeat {
                    let page = try database.read { try TokenRepository.list(role: role, after: cursor, limit: 1000, on: $0) }
                    all += page.items
                    cursor = page.nextPageToken.flatMap(PageToken.decode)
                } while cursor != nil
                return all
            }
            let now = Date()
            print(["ID", "ROLE", "NAME", "CREATED", "LAST_USED", "EXPIRES", "STATUS"].joined(separator: "\t"))
            for token in tokens {
                let status = token.revokedAt != nil ? "revoked" : token.isExpired(at: now) ? "expired" : "live"
                print([token.id, token.role.rawValue, token.name, ISO8601Time.string(token.createdAt),
                       token.lastUsedAt.map(ISO8601Time.string) ?? "-", token.expiresAt.map(ISO8601Time.string) ?? "never", status]
                    .joined(separator: "\t"))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token: refused on its next request by every server sharing the store.")

        @Argument(help: "The token's id (tok_…), as `token list` shows it.")
        var id: String

        @OptionGroup var store: DatabaseOption

        func run() throws {
            let location = try store.location()
            let id = self.id
            let outcome = try TokenCommand.withStore(location, "token revoke") { database in
                try database.write { connection -> (token: Token, changed: Bool)? in
                    guard let outcome = try TokenRepository.revoke(id: id, on: connection) else { return nil }
                    if outcome.changed {
                        try AuditRepository.record(actor: "cli", actorToken: nil, action: "token.revoke", target: id,
                                                   detail: ["name": .string(outcome.token.name), "role": .string(outcome.token.role.rawValue)],
                                                   on: connection)
                    }
                    return outcome
                }
            }
            guard let outcome else { throw TokenCommand.failure("token revoke failed: no token \(id)") }
            print(outcome.changed ? "revoked \(id) (\(outcome.token.role.rawValue) '\(outcome.token.name)')" : "\(id) was already revoked")
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a live token a new secret (printed once); the old secret stops working at once.")

        @Argument(help: "The token's id (tok_…), as `token list` shows it.")
        var id: String

        @OptionGroup var store: DatabaseOption

        func run() throws {
            let location = try store.location()
            let id = self.id
            let outcome = try TokenCommand.withStore(location, "token rotate") { database in
                try database.write { connection -> (token: Token, secret: String?)? in
                    guard let outcome = try TokenRepository.rotate(id: id, on: connection) else { return nil }
                    if outcome.secret != nil {
                        try AuditRepository.record(actor: "cli", actorToken: nil, action: "token.rotate", target: id,
                                                   detail: ["name": .string(outcome.token.name), "role": .string(outcome.token.role.rawValue)],
                                                   on: connection)
                    }
                    return outcome
                }
            }
            guard let outcome else { throw TokenCommand.failure("token rotate failed: no token \(id)") }
            guard let secret = outcome.secret else { throw TokenCommand.failure("token rotate failed: \(id) is revoked; create a new token") }
            FileHandle.standardError.write(Data("rotated \(id) (\(outcome.token.role.rawValue) '\(outcome.token.name)'); the new secret below is shown only once\n".utf8))
            print(secret)
        }
    }

    /// Opens the store, runs `body`, closes it; a failure is reported on stderr as `<what> failed: …` with exit 1.
    static func withStore<T>(_ location: DatabaseLocation, _ what: String, _ body: (Database) throws -> T) throws -> T {
        do {
            let database = try Database(location: location)
            defer { database.close() }
            return try body(database)
        } catch {
            throw failure("\(what) failed: \(error)")
        }
    }

    static func failure(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        return ExitCode.failure
    }
}

/// `--expires-in` values: whole seconds, or a number with s, m, h, d or w.
enum TokenLifetime {
    static func seconds(_ text: String) throws -> Int {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        var digits = Substring(text), unit = 1
        if let last = text.last, let multiplier = units[last] {
            digits = text.dropLast()
            unit = multiplier
        }
        guard let value = Int(digits), value > 0, value <= 10 * 365 * 86_400 / unit else {
            throw ValidationError("--expires-in must be a positive duration of at most ten years such as 3600, 90s, 30m, 12h, 7d or 2w, got '\(text)'")
        }
        return value * unit
    }
}
