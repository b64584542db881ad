import Glibc

/// A request body the server wrote to a file as it arrived (a route's `spoolAbove`), so a body of gigabytes
/// costs disk, not memory. The file is unlinked when the last reference goes: a handler that keeps the
/// body past its response (an import running in the background) keeps the object.
public final class SpooledBody: Sendable {
    /// The file holding the whole body.
    public let path: String
    /// Its length in bytes.
    public let count: Int

    init(path: String, count: Int) {
        self.path = path
        self.count = count
    }

    deinit {
        unlink(path)
    }
}

/// The file a body is being spooled into, owned by the connection's current owner thread.
final class BodySpool {
    let path: String
    private var fd: Int32
    private(set) var count = 0

    /// A new unlinked-on-failure temporary file in `directory`.
    init?(directory: String) {
        var template = Array((directory.hasSuffix("/") ? directory : directory + "/").utf8CString.dropLast())
            + Array("preflab-body-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
        guard fd >= 0 else { return nil }
        self.fd = fd
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(path)
        }
    }

    /// Appends `bytes`; false when the disk refuses them.
    func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return Glibc.write(fd, base + offset, raw.count - offset)
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        count += bytes.count
        return true
    }

    /// Closes the file and hands it over: from here the returned object owns (and finally removes) it.
    func finish() -> SpooledBody? {
        let closed = close(fd) == 0
        fd = -1
        guard closed else {
            unlink(path)
            return nil
        }
        return SpooledBody(path: path, count: count)
    }
}
