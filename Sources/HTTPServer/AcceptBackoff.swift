/// What the acceptor does when `accept` fails: pause before the next attempt (doubling
/// up to a second while descriptors are short, so EMFILE cannot spin a core), and warn
/// at most once per `warningInterval`, counting the failures it did not log.
package struct AcceptBackoff: Sendable {
    package struct Warning: Sendable, Equatable {
        /// Failures since the last warning that were not logged.
        package let suppressed: Int
        package let pause: Duration
    }

    /// How long to wait before accepting again; nil after a success.
    package private(set) var pause: Duration?
    private var lastWarning: ContinuousClock.Instant?
    private var suppressed = 0
    package let warningInterval: Duration

    package init(warningInterval: Duration = .seconds(10)) {
        self.warningInterval = warningInterval
    }

    /// Records a failure; returns the warning to log, if one is due.
    package mutating func failed(at now: ContinuousClock.Instant, resourceShortage: Bool) -> Warning? {
        let next = resourceShortage ? min((pause ?? .milliseconds(5)) * 2, .seconds(1)) : .milliseconds(10)
        pause = next
        if let lastWarning, now < lastWarning + warningInterval {
            suppressed += 1
            return nil
        }
        lastWarning = now
        defer { suppressed = 0 }
        return Warning(suppressed: suppressed, pause: next)
    }

    package mutating func succeeded() {
        pause = nil
    }
}
