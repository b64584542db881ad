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
}
