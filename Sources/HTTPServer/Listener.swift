#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// Opens listening sockets for `host`: every address it resolves to, so
/// `localhost` serves both `127.0.0.1` and `::1`. Port 0 picks a free port,
/// and later addresses reuse the port the first one got.
func makeListeners(host: String, port: Int, backlog: Int32, deferAcceptSeconds: Int32 = 0) throws(IOError) -> (fds: [Int32], port: Int) {
    // /etc/hosts often maps `localhost` to 127.0.0.1 only; users expect both loopbacks.
    if host == "localhost" {
        let v4 = try makeListeners(host: "127.0.0.1", port: port, backlog: backlog, deferAcceptSeconds: deferAcceptSeconds)
        guard let v6 = try? makeListeners(host: "::1", port: v4.port, backlog: backlog, deferAcceptSeconds: deferAcceptSeconds) else {
            return v4
        }
        return (v4.fds + v6.fds, v4.port)
    }
    var hints = addrinfo()
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var fds: [Int32] = []
    var boundPort = port
    var seen = Set<[UInt8]>()
    do throws(IOError) {
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw IOError(errno: EADDRNOTAVAIL, function: "getaddrinfo(\(host))")
        }
        defer { freeaddrinfo(list) }
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            cursor = info.pointee.ai_next
            let family = info.pointee.ai_family
            guard family == AF_INET || family == AF_INET6, let address = info.pointee.ai_addr else { continue }
            let key = Array(UnsafeRawBufferPointer(start: address, count: Int(info.pointee.ai_addrlen)))
            guard seen.insert(key).inserted else { continue }
            let fd = try syscall("socket") {
                socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            }
            fds.append(fd)
            try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            if family == AF_INET6 {
                // "::" alone is dual-stack; otherwise keep v6 separate so v4 can bind the same port.
                try setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, host == "::" ? 0 : 1)
            }
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(info.pointee.ai_addrlen))) }
            if boundPort != 0 { setPort(&storage, family: family, port: boundPort) }
            _ = try withUnsafePointer(to: &storage) { pointer throws(IOError) in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa throws(IOError) in
                    try syscall("bind(\(host):\(boundPort))") { bind(fd, sa, info.pointee.ai_addrlen) }
                }
            }
            try syscall("listen") { listen(fd, backlog) }
            if deferAcceptSeconds > 0 { try setOption(fd, Int32(IPPROTO_TCP), TCP_DEFER_ACCEPT, deferAcceptSeconds) }
            if boundPort == 0 { boundPort = try localPort(fd) }
        }
        guard !fds.isEmpty else { throw IOError(errno: EADDRNOTAVAIL, function: "listen(\(host))") }
        return (fds, boundPort)
    } catch {
        for fd in fds { close(fd) }
        throw error
    }
}

func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) throws(IOError) {
    var value = value
    try syscall("setsockopt") { setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) }
}

private func setPort(_ storage: inout sockaddr_storage, family: Int32, port: Int) {
    withUnsafeMutableBytes(of: &storage) { raw in
        if family == AF_INET {
            raw.withMemoryRebound(to: sockaddr_in.self) { $0[0].sin_port = in_port_t(UInt16(port).bigEndian) }
        } else {
            raw.withMemoryRebound(to: sockaddr_in6.self) { $0[0].sin6_port = in_port_t(UInt16(port).bigEndian) }
        }
    }
}

private func localPort(_ fd: Int32) throws(IOError) -> Int {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    _ = try withUnsafeMutablePointer(to: &storage) { pointer throws(IOError) in
        try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa throws(IOError) in
            try syscall("getsockname") { getsockname(fd, sa, &length) }
        }
    }
    let family = storage.ss_family
    return withUnsafeBytes(of: &storage) { raw in
        if family == sa_family_t(AF_INET) {
            return Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
        }
        return Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
    }
}
