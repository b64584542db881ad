import Foundation
import HTTPServer
import Service
import Storage

/// The server-sent events of one run: a `metrics` event per step (its id is the step, so a client
/// that reconnects with `Last-Event-ID` misses nothing), and a `status` event whenever the status
/// changes. The stream ends after the final status. It runs on a stream thread of the server's
/// own (not a blocking-pool thread) and sleeps on the run signal between events.
struct RunEventStream {
    let runID: String
    var after: Int
    let database: Database
    let signal: RunSignal

    /// Comments keep proxies from closing a quiet stream and reveal a departed client.
    static let keepAlive: TimeInterval = 15

    mutating func run(_ writer: any ResponseBodyWriter) throws {
        var lastStatus: String?
        var lastWrite = Date()
        // A client that hangs up ends the wait below at once, not at the next keep-alive write.
        writer.onClose { [signal] in signal.notify() }
        while !writer.isShuttingDown, !writer.isClosed {
            let seen = signal.current
            // Status first: if it is final, every metric was stored before it, so the steps read next are all of them.
            let (run, steps) = try database.read { connection in
                (try RunRepository.get(id: runID, on: connection),
                 try RunRepository.steps(runID: runID, after: after, limit: 200, on: connection))
            }
            guard let run else { return }
            var out: [UInt8] = []
            for (step, metrics) in steps {
                var values: [String: JSONValue] = [:]
                for metric in metrics { values[metric.key] = metric.value.map(JSONValue.number) ?? .null }
                let data = JSONValue.object(["step": .number(Double(step)), "metrics": .object(values)]).text
                out += ServerSentEvent(event: "metrics", id: String(step), data: data).bytes
                after = step
            }
            let drained = steps.count < 200
            if drained, run.status.rawValue != lastStatus {
                let body = String(decoding: try JSONResponse.encoder.encode(RunBody(run)), as: UTF8.self)
                out += ServerSentEvent(event: "status", data: body).bytes
                lastStatus = run.status.rawValue
            }
            if out.isEmpty, Date().timeIntervalSince(lastWrite) > Self.keepAlive { out = Array(": keep-alive\n\n".utf8) }
            if !out.isEmpty {
                try writer.write(out)
                lastWrite = Date()
            }
            if drained, run.status.isFinal { return }
            if drained { signal.wait(after: seen, timeout: 0.5) }
        }
    }
}
