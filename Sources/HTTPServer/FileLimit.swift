import CLinux

/// The open-file limit, and how many client connections it leaves room for.
enum FileLimit {
    /// Raises the soft `RLIMIT_NOFILE` to the hard limit; returns the soft limit now in force.
    static func raiseToHard() -> Int {
        let limit = clinux_raise_nofile()
        return limit < 0 ? Int.max : Int(clamping: limit)
    }

    /// The configured cap, lowered so that connections leave descriptors for the rest of the
    /// process (store files and sockets, listeners, epoll, logs, model files): an eighth of
    /// the limit, at least 64.
    static func connectionCap(configured: Int, openFileLimit: Int) -> Int {
        guard openFileLimit != Int.max else { return configured }
        let reserve = max(64, openFileLimit / 8)
        return max(1, min(configured, openFileLimit - reserve))
    }
}
