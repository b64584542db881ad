import Policy
import Testing

@Suite struct TarArchiveTests {
    @Test func roundTripsFilesAndLongNames() throws {
        let long = String(repeating: "d", count: 90) + "/" + String(repeating: "f", count: 95) + ".json"
        let archive = TarArchive(files: ["config.json": Array("{}".utf8), "model.safetensors": [UInt8](repeating: 7, count: 1000),
                                         "empty": [], long: [1, 2, 3]])
        let bytes = archive.encoded()
        #expect(bytes.count % 512 == 0)
        #expect(try TarArchive(bytes: bytes) == archive)
    }

    /// Hostile archives are refused with an error, never a crash or an entry outside the input.
    @Test func malformedArchivesAreRefused() throws {
        let good = TarArchive(files: ["a.txt": Array("hello".utf8)]).encoded()
        var badSum = good
        badSum[0] ^= 1
        #expect(throws: PolicyError.self) { try TarArchive(bytes: badSum) }
        var huge = good
        Self.setOctal(&huge, 124, 12, 1 << 30)
        #expect(throws: PolicyError.self) { try TarArchive(bytes: huge) }
        var traversal = TarArchive(files: ["x": [1]]).encoded()
        traversal.replaceSubrange(0..<6, with: Array("../etc".utf8))
        Self.fixChecksum(&traversal)
        #expect(throws: PolicyError.self) { try TarArchive(bytes: traversal) }
        var link = good
        link[156] = UInt8(ascii: "2")
        Self.fixChecksum(&link)
        #expect(throws: PolicyError.self) { try TarArchive(bytes: link) }
        #expect(throws: PolicyError.self) { try TarArchive(bytes: Array(good[0..<1024]) + [UInt8](repeating: 1, count: 512)) }
        #expect(try TarArchive(bytes: []).files.isEmpty)

        // Every truncation and many single-byte corruptions: an archive or an error, nothing else.
        var rng = SystemRandomNumberGenerator()
        for cut in stride(from: 0, to: good.count, by: 37) { _ = try? TarArchive(bytes: Array(good[0..<cut])) }
        for _ in 0..<2000 {
            var mutated = good
            mutated[Int.random(in: 0..<1024, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            if Bool.random(using: &rng) { Self.fixChecksum(&mutated) }
            _ = try? TarArchive(bytes: mutated)
        }
    }

    /// A pax `path` is not NUL-terminated: a NUL inside it would name a file that no ustar header can spell
    /// (found by TarFuzz: re-encoding changed the archive). Refused.
    @Test func aPaxPathWithNULIsRefused() throws {
        let record = Array("24 path=a\u{0}b/config.json\n".utf8)
        var pax = TarArchive(files: ["PaxHeader": record]).encoded()
        pax[156] = UInt8(ascii: "x")
        Self.fixChecksum(&pax)
        let archive = Array(pax[0..<1024]) + TarArchive(files: ["config.json": [1]]).encoded()
        #expect(throws: PolicyError.self) { try TarArchive(bytes: archive) }
    }

    static func setOctal(_ block: inout [UInt8], _ at: Int, _ length: Int, _ value: Int) {
        let digits = Array(String(value, radix: 8).utf8)
        block.replaceSubrange(at..<(at + length - 1), with: [UInt8](repeating: 48, count: length - 1 - digits.count) + digits)
        fixChecksum(&block)
    }

    static func fixChecksum(_ block: inout [UInt8]) {
        var sum = 0
        for i in 0..<512 { sum += (148..<156).contains(i) ? 32 : Int(block[i]) }
        let digits = Array(String(sum, radix: 8).utf8)
        block.replaceSubrange(148..<155, with: [UInt8](repeating: 48, count: 6 - digits.count) + digits + [0])
    }
}
