public import Foundation
import Synchronization

/// Time-ordered ids (`pref_0190f3a1b2c3d4e5f6a7b8c9`): 14 hex digits of
/// microseconds, strictly increasing within the process, then 10 random ones
/// so that several servers never collide. Sorting by id is sorting by creation
/// time, and the last id of a page is its cursor.
public enum Identifier {
    private static let last = Mutex<UInt64>(0)

    public static func make(_ prefix: String, now: Date = Date()) -> String {
        let micros = UInt64(max(0, now.timeIntervalSince1970 * 1_000_000))
        let stamp = last.withLock { last -> UInt64 in
            last = max(micros, last + 1)
            return last
        }
        let time = String(stamp, radix: 16)
        let random = String(UInt64.random(in: 0..<(1 << 40)), radix: 16)
        return prefix + "_" + String(repeating: "0", count: max(0, 14 - time.count)) + time
            + String(repeating: "0", count: 10 - random.count) + random
    }
}

/// Microseconds since the epoch, the stores' time representation.
public enum Timestamp {
    public static func micros(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }
    public static func date(_ micros: Int64) -> Date { Date(timeIntervalSince1970: Double(micros) / 1_000_000) }
    public static func date(_ value: SQLValue) -> Date { date(Int64(value.int ?? 0)) }
}

/// An opaque cursor: the base64url of the last id returned.
public enum PageToken {
    public static func encode(_ id: String) -> String {
        Data(id.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// A cursor over something other than ids (a metric's step and key): any text up to 512 bytes.
    public static func decodeText(_ token: String) -> String? {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard token.utf8.count <= 700, let data = Data(base64Encoded: base64) else { return nil }
        return String(data: data, encoding: .utf8)
    }

    /// Nil when the token is not one we issued.
    public static func decode(_ token: String) -> String? {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let id = String(data: data, encoding: .utf8),
            id.count <= 64, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        else { return nil }
        return id
    }
}

/// One page of a list.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    /// The token for the next page; nil on the last.
    public var nextPageToken: String?

    public init(items: [Item], nextPageToken: String?) {
        self.items = items
        self.nextPageToken = nextPageToken
    }
}

/// Lower-case hex of `bytes`, without `String(format:)`, which is slow on Linux.
///
/// Inlinable so each caller gets it specialised to its sequence (a digest, bytes): every
/// authenticated request hashes its token and looks it up by this text.
@inlinable
package func hexString(_ bytes: some Sequence<UInt8>) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(2 * bytes.underestimatedCount)
    for byte in bytes {
        out.append(hexDigit(byte >> 4))
        out.append(hexDigit(byte & 0x0F))
    }
    return String(decoding: out, as: UTF8.self)
}

/// The lowercase hex digit of a nibble.
@inlinable @inline(__always)
package func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
}
