public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// RFC 3339 UTC times with microseconds, formatted by hand: Foundation's
/// format styles cost more than the rest of a preference response together.
public enum ISO8601Time {
    /// `2026-01-31T12:00:00.123456Z`: UTC, always six fractional digits.
    public static func string(_ date: Date) -> String {
        String(decoding: bytes(date), as: UTF8.self)
    }

    /// The same text as ASCII bytes, written digit by digit: it is in every record a create returns,
    /// so it avoids the dozen small strings that formatting with `String` interpolation allocates.
    public static func bytes(_ date: Date) -> [UInt8] {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = time_t(micros / 1_000_000)
        var fraction = Int(micros % 1_000_000)
        if fraction < 0 {
            fraction += 1_000_000
            seconds -= 1
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let year = Int(parts.tm_year) + 1900
        // Four digits, zero-padded; a year outside them (no clock gives one) is written in full.
        var out: [UInt8] = (0...9999).contains(year) ? [0, 0, 0, 0] : Array(String(year).utf8)
        let y = out.count
        out += repeatElement(0, count: 23)
        func put(_ value: Int, at offset: Int, width: Int) {
            var rest = value
            for i in stride(from: offset + width - 1, through: offset, by: -1) {
                out[i] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
        }
        if (0...9999).contains(year) { put(year, at: 0, width: 4) }
        put(Int(parts.tm_mon) + 1, at: y + 1, width: 2)
        put(Int(parts.tm_mday), at: y + 4, width: 2)
        put(Int(parts.tm_hour), at: y + 7, width: 2)
        put(Int(parts.tm_min), at: y + 10, width: 2)
        put(Int(parts.tm_sec), at: y + 13, width: 2)
        put(fraction, at: y + 16, width: 6)
        out[y] = UInt8(ascii: "-")
        out[y + 3] = UInt8(ascii: "-")
        out[y + 6] = UInt8(ascii: "T")
        out[y + 9] = UInt8(ascii: ":")
        out[y + 12] = UInt8(ascii: ":")
        out[y + 15] = UInt8(ascii: ".")
        out[y + 22] = UInt8(ascii: "Z")
        return out
    }
}

/// Parses RFC 3339 date-times (`2026-01-31T12:00:00.5+01:00`, `t`/`z` in any case, any
/// offset up to ±23:59): the query filters must take every time the spec's `date-time` allows.
public enum RFC3339 {
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var value = 0
            for i in from..<(from + count) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                value = value * 10 + Int(b[i] - 48)
            }
            return value
        }
        guard b.count >= 20, let year = number(0, 4), b[4] == 45, let month = number(5, 2), b[7] == 45, let day = number(8, 2),
            b[10] | 0x20 == UInt8(ascii: "t") || b[10] == 32, let hour = number(11, 2), b[13] == 58, let minute = number(14, 2),
            b[16] == 58, let second = number(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < b.count, b[i] == 46 {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                fraction += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] | 0x20 == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == 43 || b[i] == 45, let oh = number(i + 1, 2), i + 3 < b.count, b[i + 3] == 58, let om = number(i + 4, 2),
            oh < 24, om < 60 {
            offset = (oh * 3600 + om * 60) * (b[i] == 43 ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(min(second, 59))
        let seconds = timegm(&parts)
        guard parts.tm_mday == Int32(day) else { return nil }  // timegm normalised an impossible date
        return Date(timeIntervalSince1970: Double(seconds - offset) + fraction)
    }
}
