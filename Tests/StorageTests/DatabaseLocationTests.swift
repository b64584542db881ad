import Storage
import Testing

@Suite struct DatabaseLocationTests {
    @Test func parsesSQLitePath() throws {
        #expect(try DatabaseLocation(parsing: "sqlite:data/preflab.sqlite") == .sqlite(path: "data/preflab.sqlite"))
        #expect(try DatabaseLocation(parsing: "sqlite:/tmp/x.db").backend == "sqlite")
    }

    @Test func parsesPostgresURLs() throws {
        let url = "postgres://user:secret@db.example:5432/preflab?sslmode=disable"
        #expect(try DatabaseLocation(parsing: url) == .postgres(url: url))
        #expect(try DatabaseLocation(parsing: "postgresql://localhost/preflab").backend == "postgres")
    }

    @Test func masksThePasswordWhenPrinted() throws {
        let location = try DatabaseLocation(parsing: "postgres://user:secret@db.example/preflab")
        #expect(!location.description.contains("secret"))
        #expect(location.description.contains("user"))
    }

    @Test(arguments: ["", "sqlite:", "mysql://x/y", "data/preflab.sqlite", "postgres://host/db?nonsense_option=1"])
    func rejectsUnusableLocations(text: String) {
        #expect(throws: DatabaseLocationError.self) { try DatabaseLocation(parsing: text) }
    }
}
