import Storage
import Testing
import TestSupport

/// Tests parametrised over `TestStores.backends` run on SQLite only when there is no PostgreSQL, and a
/// left-out case is invisible in the report; this test is then reported as skipped, so a run without
/// PostgreSQL says so instead of passing quietly. (Under CI=true PostgreSQL is required and this runs.)
@Suite struct PostgresAvailabilityTests {
    @Test(.enabled(if: TestStores.testsPostgres, "no PostgreSQL (PREFLAB_TEST_DATABASE_URL unset): store tests ran on SQLite only"))
    func storeTestsRunOnPostgres() throws {
        #expect(TestStores.backends.contains(.postgres))
        let database = try TestStores.open(.postgres)
        #expect(try database.read { try $0.query("SELECT count(*) FROM prompts", [])[0][0].int } == 0)
    }
}
