import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The standard `process_*` families (as Prometheus client libraries export them), read from
/// /proc/self at scrape time: nothing is sampled in between.
enum ProcessMetrics {
    static func render() -> String {
        var out = ""
        func gauge(_ name: String, _ type: String, _ help: String, _ value: Double?) {
            guard let value else { return }
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(PrometheusText.number(value))\n"
        }
        let stat = self.stat()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        gauge("process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.",
              stat.map { (Double($0.utime) + Double($0.stime)) / ticks })
        gauge("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", stat.map { Double($0.rss) * page })
        gauge("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", stat.map { Double($0.vsize) })
        gauge("process_threads", "gauge", "OS threads in the process.", stat.map { Double($0.threads) })
        gauge("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds.",
              stat.flatMap { stat in bootTime().map { $0 + Double(stat.starttime) / ticks } })
        let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        // Listing the directory opens one descriptor of its own.
        gauge("process_open_fds", "gauge", "Open file descriptors.", fds.map { Double(max(0, $0 - 1)) })
        return out
    }

    struct Stat {
        var utime: UInt64, stime: UInt64, threads: UInt64, starttime: UInt64, vsize: UInt64, rss: UInt64
    }

    /// Fields of /proc/self/stat (proc(5)); the command name, which may hold spaces and parentheses, ends at the last ')'.
    static func stat() -> Stat? {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // After the name: field 3 (state) is index 0, so field n is index n - 3.
        let fields = text[text.index(after: close)...].split(separator: " ")
        func field(_ n: Int) -> UInt64? { fields.count > n - 3 ? UInt64(fields[n - 3]) : nil }
        guard let utime = field(14), let stime = field(15), let threads = field(20), let start = field(22),
              let vsize = field(23), let rss = field(24) else { return nil }
        return Stat(utime: utime, stime: stime, threads: threads, starttime: start, vsize: vsize, rss: rss)
    }

    private static func bootTime() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        let line = text.split(separator: "\n").first { $0.hasPrefix("btime ") }
        return line.flatMap { Double($0.dropFirst(6).trimmingCharacters(in: .whitespaces)) }
    }
}
