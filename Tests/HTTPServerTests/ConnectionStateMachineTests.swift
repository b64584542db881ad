@testable import HTTPServer
import Testing

/// Drives the connection lifecycle with explicit instants: no clock, no threads.
@Suite struct ConnectionStateMachineTests {
    let t0 = ContinuousClock.now

    func machine() -> ConnectionStateMachine {
        ConnectionStateMachine(idleTimeout: .seconds(60), readTimeout: .seconds(5))
    }

    @Test func idleConnectionClosesQuietlyAfterIdleTimeout() {
        var m = machine()
        m.armed(now: t0, partial: false)
        #expect(m.timeoutChecked(now: t0 + .seconds(59)) == .none)
        #expect(m.timeoutChecked(now: t0 + .seconds(60)) == .closeQuietly)
        #expect(m.phase == .closed)
    }

    @Test func stalledRequestGets408AfterReadTimeout() {
        var m = machine()
        m.armed(now: t0, partial: true)
        #expect(m.timeoutChecked(now: t0 + .seconds(5)) == .closeWithTimeout)
    }

    /// Slowloris: bytes keep trickling in, but the read deadline runs from the first byte.
    @Test func tricklingBytesDoNotExtendTheReadDeadline() {
        var m = machine()
        m.armed(now: t0, partial: true)
        for second in 1...4 {
            #expect({ () -> Bool in m.claimed() }())
            m.armed(now: t0 + .seconds(second), partial: true)
        }
        #expect(m.timeoutChecked(now: t0 + .seconds(5)) == .closeWithTimeout)
    }

    @Test func completedRequestResetsTheReadDeadline() {
        var m = machine()
        m.armed(now: t0, partial: true)
        #expect({ () -> Bool in m.claimed() }())
        m.armed(now: t0 + .seconds(4), partial: false)
        #expect({ () -> Bool in m.claimed() }())
        m.armed(now: t0 + .seconds(10), partial: true)
        #expect(m.timeoutChecked(now: t0 + .seconds(14)) == .none)
        #expect(m.timeoutChecked(now: t0 + .seconds(15)) == .closeWithTimeout)
    }

    @Test func activeConnectionNeverTimesOutAndCannotBeClaimedTwice() {
        var m = machine()
        m.armed(now: t0, partial: false)
        #expect({ () -> Bool in m.claimed() }())
        #expect(!{ () -> Bool in m.claimed() }())
        #expect(m.timeoutChecked(now: t0 + .seconds(3600)) == .none)
    }

    @Test func closedConnectionCannotBeClaimed() {
        var m = machine()
        m.armed(now: t0, partial: false)
        _ = m.timeoutChecked(now: t0 + .seconds(61))
        #expect(!{ () -> Bool in m.claimed() }())
    }

    @Test func shutdownClosesIdleButLetsInFlightFinish() {
        var idle = machine()
        idle.armed(now: t0, partial: false)
        #expect({ () -> Bool in idle.shutdownRequested() }())

        var busy = machine()
        busy.armed(now: t0, partial: false)
        #expect({ () -> Bool in busy.claimed() }())
        #expect(!{ () -> Bool in busy.shutdownRequested() }())
        #expect(busy.closeAfterResponse)

        var receiving = machine()
        receiving.armed(now: t0, partial: true)
        #expect(!{ () -> Bool in receiving.shutdownRequested() }())
        #expect({ () -> Bool in receiving.forceClosed() }())
    }
}

/// The first-request deadline and which connections may be displaced.
@Suite struct ConnectionAdmissionTests {
    let t0 = ContinuousClock.now

    @Test func newConnectionMustSendItsFirstHeadBeforeTheDeadline() {
        var m = ConnectionStateMachine(idleTimeout: .seconds(60), readTimeout: .seconds(30), firstRequestTimeout: .seconds(5), accepted: t0)
        m.armed(now: t0, partial: false, headSeen: false)
        #expect(m.evictable == .silent)
        #expect({ () -> Bool in m.claimed() }())
        // Part of a head arrived: still the first-request deadline, not the read timeout.
        m.armed(now: t0 + .seconds(1), partial: true, headSeen: false)
        #expect(m.evictable == .unfinishedFirstHead)
        #expect(m.timeoutChecked(now: t0 + .seconds(5)) == .closeWithTimeout)
    }

    @Test func aServedConnectionIsIdleAndKeepsTheIdleTimeout() {
        var m = ConnectionStateMachine(idleTimeout: .seconds(60), readTimeout: .seconds(30), firstRequestTimeout: .seconds(5), accepted: t0)
        m.armed(now: t0, partial: false, headSeen: false)
        #expect({ () -> Bool in m.claimed() }())
        m.armed(now: t0 + .seconds(1), partial: false, headSeen: true)
        #expect(m.evictable == .idle)
        #expect(m.waitingSince == t0 + .seconds(1))
        #expect(m.timeoutChecked(now: t0 + .seconds(30)) == .none)
        #expect({ () -> Bool in m.evicted() }())
        #expect(m.phase == .closed)
    }

    @Test func parkedOutputTimesOutWithoutProgressAndIsNotEvictable() {
        var m = ConnectionStateMachine(idleTimeout: .seconds(60), readTimeout: .seconds(30))
        m.parked(now: t0, writeTimeout: .seconds(10))
        #expect(m.evictable == nil)
        #expect({ () -> Bool in !m.shutdownRequested() }())
        #expect(m.timeoutChecked(now: t0 + .seconds(9)) == .none)
        #expect(m.timeoutChecked(now: t0 + .seconds(10)) == .closeQuietly)
    }

    // MARK: - Registering with epoll outside the lock

    /// While the owner's `epoll_ctl` runs (unlocked), the connection is still its own: the reaper, eviction and
    /// drain do not close the descriptor under the call, and an event that fires meanwhile is the owner's.
    @Test func anEventDuringRegistrationIsKeptForTheOwner() {
        var m = ConnectionStateMachine(idleTimeout: .seconds(60), readTimeout: .seconds(5))
        m.registering()
        let taken = m.claimed()
        #expect(!taken)  // the event loop that saw it does not take the connection
        let outcome = m.registered(true) { $0.armed(now: t0, partial: false) }
        #expect(outcome == .woken)
        #expect(m.phase == ConnectionStateMachine.Phase.active)  // the owner serves it
    }

    @Test func noOneElseClosesARegisteringConnection() {
        var m = ConnectionStateMachine(idleTimeout: .seconds(1), readTimeout: .seconds(1), firstRequestTimeout: .seconds(1), accepted: t0)
        m.registering()
        let timeout = m.timeoutChecked(now: t0 + .seconds(10))
        #expect(timeout == .none)
        #expect(m.evictable == nil)
        let evicted = m.evicted(), forced = m.forceClosed()
        #expect(!evicted)
        #expect(!forced)  // remembered: the owner closes it once epoll_ctl returns
        #expect(m.phase == .registering)
        let outcome = m.registered(true) { $0.armed(now: t0, partial: false) }
        #expect(outcome == .close)
        #expect(m.phase == .closed)
    }

    @Test func aDrainDuringRegistrationClosesAnIdleConnectionButNotAHalfReadOne() {
        var idle = ConnectionStateMachine(idleTimeout: .seconds(60), readTimeout: .seconds(5))
        idle.registering()
        let closeIdleNow = idle.shutdownRequested()
        #expect(!closeIdleNow)
        let idleOutcome = idle.registered(true) { $0.armed(now: t0, partial: false) }
        #expect(idleOutcome == .close)
        var half = ConnectionStateMachine(idleTimeout: .seconds(60), readTimeout: .seconds(5))
        half.registering()
        let closeHalfNow = half.shutdownRequested()
        #expect(!closeHalfNow)
        let halfOutcome = half.registered(true) { $0.armed(now: t0, partial: true) }
        #expect(halfOutcome == .inEpoll)
        #expect(half.phase == .waiting(deadline: t0 + .seconds(5), partial: true))
    }

    @Test func aRegistrationRecordsWhatTheConnectionWaitsFor() {
        var m = ConnectionStateMachine(idleTimeout: .seconds(60), readTimeout: .seconds(5))
        m.registering()
        let parked = m.registered(true) { $0.parked(now: t0, writeTimeout: .seconds(3)) }
        #expect(parked == .inEpoll)
        #expect(m.phase == .writing(deadline: t0 + .seconds(3)))
        let taken = m.claimed()
        #expect(taken)
        m.registering()
        let failed = m.registered(false) { $0.armed(now: t0, partial: false) }  // epoll_ctl failed
        #expect(failed == .close)
        #expect(m.phase == .closed)
    }
}
