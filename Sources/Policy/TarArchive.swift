/// A POSIX ustar archive of regular files, read and written in memory: what a Hugging Face `save_pretrained`
/// folder travels in (`tar -cf model.tar -C folder .`). Reading treats the bytes as untrusted: every header
/// checksum, size and name is checked, and no entry may lie outside the input; directories are skipped, links
/// and devices refused, GNU long names and pax headers honoured for the name (their other fields ignored).
public struct TarArchive: Sendable, Equatable {
    /// Files by path (no leading `./`), contents in memory.
    public var files: [String: [UInt8]]

    public init(files: [String: [UInt8]] = [:]) { self.files = files }

    /// Parses an archive; ends at two zero blocks or at the end of input.
    public init(bytes: [UInt8]) throws(PolicyError) {
        guard bytes.isEmpty || bytes.count >= 512 else { throw PolicyError("tar: shorter than one 512-byte header; not a tar archive") }
        var files: [String: [UInt8]] = [:]
        var offset = 0
        var pendingName: String?
        while offset + 512 <= bytes.count {
            let block = bytes[offset..<(offset + 512)]
            if block.allSatisfy({ $0 == 0 }) { break }
            guard Self.checksum(block) == Self.octal(block, 148, 8) else { throw PolicyError("tar: bad header checksum at byte \(offset)") }
            guard let size = Self.octal(block, 124, 12), size >= 0, size <= bytes.count - offset - 512 else {
                throw PolicyError("tar: entry at byte \(offset) has a size past the end of the archive")
            }
            let type = block[block.startIndex + 156]
            let data = Array(bytes[(offset + 512)..<(offset + 512 + size)])
            offset += 512 + (size + 511) / 512 * 512
            var name = Self.string(block, 0, 100)
            let prefix = Self.string(block, 345, 155)
            if Self.string(block, 257, 6).hasPrefix("ustar"), !prefix.isEmpty { name = prefix + "/" + name }
            if let long = pendingName { name = long; pendingName = nil }
            switch type {
            case UInt8(ascii: "0"), 0:
                let path = try Self.normalise(name)
                guard files[path] == nil else { throw PolicyError("tar: \(path) is in the archive twice") }
                files[path] = data
            case UInt8(ascii: "5"), UInt8(ascii: "g"): continue
            case UInt8(ascii: "L"): pendingName = Self.cString(data)
            case UInt8(ascii: "x"): pendingName = Self.paxPath(data)
            default: throw PolicyError("tar: \(name) is not a regular file or directory (type \(Character(Unicode.Scalar(type))))")
            }
        }
        self.files = files
    }

    /// The archive: one ustar header and the padded data per file, in path order, then two zero blocks.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(files.values.reduce(1024) { $0 + 512 + ($1.count + 511) / 512 * 512 })
        for path in files.keys.sorted() {
            guard let data = files[path] else { continue }
            var header = [UInt8](repeating: 0, count: 512)
            let name = Array(path.utf8)
            if name.count <= 100 {
                header.replaceSubrange(0..<name.count, with: name)
            } else if let cut = name[..<min(name.count, 156)].lastIndex(of: UInt8(ascii: "/")), name.count - cut - 1 <= 100 {
                header.replaceSubrange(345..<(345 + cut), with: name[..<cut])
                header.replaceSubrange(0..<(name.count - cut - 1), with: name[(cut + 1)...])
            } else {
                continue  // not representable in ustar; this project writes short names only
            }
            Self.writeOctal(&header, 100, 8, 0o644)
            Self.writeOctal(&header, 108, 8, 0)
            Self.writeOctal(&header, 116, 8, 0)
            Self.writeOctal(&header, 124, 12, data.count)
            Self.writeOctal(&header, 136, 12, 0)
            header[156] = UInt8(ascii: "0")
            header.replaceSubrange(257..<265, with: Array("ustar\u{0}00".utf8))
            header.replaceSubrange(148..<156, with: Array(repeating: UInt8(ascii: " "), count: 8))
            Self.writeOctal(&header, 148, 7, Self.checksum(header[...]))
            out += header
            out += data
            out += [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
        }
        out += [UInt8](repeating: 0, count: 1024)
        return out
    }

    /// Sum of the header's bytes with the checksum field as spaces.
    static func checksum(_ block: ArraySlice<UInt8>) -> Int {
        var sum = 0
        for (i, byte) in block.enumerated() { sum += (148..<156).contains(i) ? 32 : Int(byte) }
        return sum
    }

    /// An octal field (NUL- or space-terminated, leading spaces allowed); `nil` when malformed or too large.
    static func octal(_ block: ArraySlice<UInt8>, _ at: Int, _ length: Int) -> Int? {
        let field = block[(block.startIndex + at)..<(block.startIndex + at + length)]
        var value = 0, digits = 0
        for byte in field.drop(while: { $0 == 32 }) {
            if byte == 0 || byte == 32 { break }
            guard (48...55).contains(byte), value < 1 << 40 else { return nil }
            value = value * 8 + Int(byte - 48)
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    static func writeOctal(_ header: inout [UInt8], _ at: Int, _ length: Int, _ value: Int) {
        let digits = Array(String(value, radix: 8).utf8)
        let padded = [UInt8](repeating: UInt8(ascii: "0"), count: max(0, length - 1 - digits.count)) + digits
        header.replaceSubrange(at..<(at + padded.count), with: padded)
    }

    static func string(_ block: ArraySlice<UInt8>, _ at: Int, _ length: Int) -> String {
        cString(Array(block[(block.startIndex + at)..<(block.startIndex + at + length)]))
    }

    static func cString(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
    }

    /// The `path` record of a pax extended header (`"<len> path=<value>\n"` records).
    static func paxPath(_ data: [UInt8]) -> String? {
        for record in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let space = record.firstIndex(of: " ") else { continue }
            let field = record[record.index(after: space)...]
            if field.hasPrefix("path=") { return String(field.dropFirst(5)) }
        }
        return nil
    }

    /// `./a/b` → `a/b`; refuses absolute paths, `..`, NUL (a pax path may hold one) and empty names.
    static func normalise(_ name: String) throws(PolicyError) -> String {
        let parts = name.split(separator: "/").filter { $0 != "." }
        guard !name.hasPrefix("/"), !parts.isEmpty, !parts.contains(".."), !name.utf8.contains(0) else {
            throw PolicyError("tar: unsafe or empty path \(name)")
        }
        return parts.joined(separator: "/")
    }
}
