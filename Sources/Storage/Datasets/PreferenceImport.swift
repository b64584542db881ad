import Foundation
import StrictJSON

/// Parses preference JSONL (TRL standard or conversational, explicit or implicit
/// prompt, Anthropic HH transcripts) into preferences, all or nothing.
public enum PreferenceImport {
    /// The preferences in `bytes`, one per non-blank line, in file order.
    ///
    /// Throws every problem found (up to `limits.maxErrors`) instead of any rows if
    /// even one line is bad, so a caller never stores half a file. Lines end in
    /// `\n` (a `\r` before it is dropped); a UTF-8 byte-order mark on line 1 is
    /// ignored; blank lines are skipped but counted, so numbers match an editor's.
    public static func parse(_ bytes: [UInt8], limits: PreferenceImportLimits = PreferenceImportLimits())
        throws(PreferenceImportFailure) -> [ImportedPreference] {
        var log = ErrorLog(limit: limits.maxErrors)
        var rows: [ImportedPreference] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            var line = bytes[start..<end]
            start = end + 1
            lineNumber += 1
            if lineNumber > limits.maxLines {
                log.add([ImportLineError(line: lineNumber, field: nil,
                                         message: "the file has more than \(limits.maxLines) lines")])
                break
            }
            if line.last == 0x0D { line = line.dropLast() }
            if lineNumber == 1 && line.starts(with: [0xEF, 0xBB, 0xBF]) { line = line.dropFirst(3) }
            if let row = parseLine(line, number: lineNumber, limits: limits, log: &log),
               log.isEmpty {
                rows.append(row)
            }
        }
        guard log.isEmpty else { throw PreferenceImportFailure(errors: log.errors, truncated: log.truncated) }
        return rows
    }

    static func parseLine(_ line: ArraySlice<UInt8>, number: Int, limits: PreferenceImportLimits,
                                  log: inout ErrorLog) -> ImportedPreference? {
        func fail(_ message: String) -> ImportedPreference? {
            log.add([ImportLineError(line: number, field: nil, message: message)])
            return nil
        }
        guard line.count <= limits.maxLineBytes else {
            return fail("the line is \(line.count) bytes, over the limit of \(limits.maxLineBytes)")
        }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
        if let offset = invalidUTF8Offset(line) {
            return fail("invalid UTF-8 at byte \(offset + 1) of the line")
        }
        // The same reader as every request body: linear in the line however deep an ignored key nests, and
        // refusing NUL, duplicate keys and deep nesting before anything is looked at.
        let value: JSONValue
        do {
            value = try JSONReader.read(Array(line))
        } catch {
            log.add([ImportLineError(error, line: number)])
            return nil
        }
        var parser = ImportRecordParser(line: number)
        let row = parser.parse(value)
        log.add(parser.errors)
        return row
    }

    /// The offset of the first byte that is not part of valid UTF-8, or nil.
    ///
    /// Checked before JSON decoding so the error says "invalid UTF-8" and where,
    /// rather than a decoder's generic failure or a silent U+FFFD substitution.
    static func invalidUTF8Offset(_ bytes: ArraySlice<UInt8>) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}

/// Errors collected across a file, capped so a wholly wrong file stays cheap to report.
struct ErrorLog {
    let limit: Int
    private(set) var errors: [ImportLineError] = []
    private(set) var truncated = false

    init(limit: Int) {
        self.limit = limit
    }

    var isEmpty: Bool { errors.isEmpty && !truncated }

    mutating func add(_ new: [ImportLineError]) {
        for error in new {
            if errors.count < limit { errors.append(error) } else { truncated = true }
        }
    }
}
