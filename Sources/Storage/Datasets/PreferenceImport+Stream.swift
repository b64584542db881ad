import Foundation

/// Where a streamed import reads its bytes: a file (a spooled request body) or bytes in memory.
public enum ImportSource: Sendable {
    case file(path: String)
    case bytes([UInt8])

    /// Calls `body` with successive chunks of at most `chunk` bytes.
    func forEachChunk(chunk: Int = 1 << 20, _ body: (ArraySlice<UInt8>) throws -> Void) throws {
        switch self {
        case .bytes(let bytes):
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + chunk)
                try body(bytes[start..<end])
                start = end
            }
        case .file(let path):
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw StorageError(.unavailable, "cannot open the spooled import at \(path)")
            }
            defer { try? handle.close() }
            while let data = try handle.read(upToCount: chunk), !data.isEmpty {
                try body(ArraySlice(data))
            }
        }
    }
}

/// How far a streamed pass has read.
public struct ImportProgress: Sendable, Equatable {
    public var bytesRead = 0
    public var linesRead = 0
    public var rowsRead = 0
}

extension PreferenceImport {
    /// Reads `source` line by line in memory bounded by `limits.maxLineBytes` (a longer line is an error
    /// and is skipped without being held), calling `row` for each preference while no line has failed, and
    /// `progress` every 4 MiB. Throws every problem found (up to `limits.maxErrors`), as `parse` does.
    /// Lines follow `parse`'s rules: `\n` ends a line, a `\r` before it is dropped, a BOM on line 1 is ignored.
    public static func scan(_ source: ImportSource, limits: PreferenceImportLimits, chunk: Int = 1 << 20,
                            progress: (ImportProgress) -> Void = { _ in },
                            row: (ImportedPreference) throws -> Void) throws {
        var log = ErrorLog(limit: limits.maxErrors)
        var state = ImportProgress()
        var line: [UInt8] = []
        var overlong = false  // the current line passed the limit: skip to its end
        var reported = 0
        func finishLine() throws {
            state.linesRead += 1
            defer {
                line.removeAll(keepingCapacity: line.capacity <= 4 * limits.maxLineBytes)
                overlong = false
            }
            if state.linesRead > limits.maxLines {
                if state.linesRead == limits.maxLines + 1 {
                    log.add([ImportLineError(line: state.linesRead, field: nil, message: "the file has more than \(limits.maxLines) lines")])
                }
                return
            }
            if overlong {
                log.add([ImportLineError(line: state.linesRead, field: nil,
                                         message: "the line is over the limit of \(limits.maxLineBytes) bytes")])
                return
            }
            var slice = line[...]
            if slice.last == 0x0D { slice = slice.dropLast() }
            if state.linesRead == 1 && slice.starts(with: [0xEF, 0xBB, 0xBF]) { slice = slice.dropFirst(3) }
            if let parsed = parseLine(slice, number: state.linesRead, limits: limits, log: &log), log.isEmpty {
                state.rowsRead += 1
                try row(parsed)
            }
        }
        try source.forEachChunk(chunk: chunk) { chunk in
            var start = chunk.startIndex
            while start < chunk.endIndex {
                let newline = chunk[start...].firstIndex(of: 0x0A)
                let end = newline ?? chunk.endIndex
                if !overlong {
                    // One byte of slack for a `\r` before the `\n`.
                    if line.count + (end - start) > limits.maxLineBytes + 1 { overlong = true; line.removeAll() } else { line += chunk[start..<end] }
                }
                start = end
                if newline != nil {
                    start += 1
                    try finishLine()
                }
            }
            state.bytesRead += chunk.count
            if state.bytesRead - reported >= 4 << 20 {
                reported = state.bytesRead
                progress(state)
            }
        }
        if !line.isEmpty || overlong { try finishLine() }
        progress(state)
        guard log.isEmpty else { throw PreferenceImportFailure(errors: log.errors, truncated: log.truncated) }
    }
}
