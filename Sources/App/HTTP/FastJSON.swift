import Foundation
import Storage
import StrictJSON

/// Hand-written JSON for the records on the annotation hot path. It produces
/// exactly what `JSONResponse.encoder` does (sorted snake_case keys, absent
/// optionals omitted, slashes unescaped, RFC 3339 times) at a fraction of the
/// cost: the encoding runs on the database writer that commits the batch.
///
/// Kept because `make bench-ingest` (single-preference POSTs, 32 connections) measured it, alternating with a
/// build that answers through `JSONResponse.encoder` instead, four runs each on a shared 2-core machine: on the
/// quietest pair 11.5k vs 7.8k rows/s on PostgreSQL and 21.7k vs 8.2k on SQLite; over all four, means 8.4k vs
/// 6.8k and 10.8k vs 7.8k (medians within noise). Re-measure on a quiet machine before removing it.
enum FastJSON {
    static func encode(_ p: Preference) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + p.prompt.utf8.count + p.responseA.utf8.count + p.responseB.utf8.count)
        var first = true
        func key(_ name: StaticString) {
            out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            first = false
            out.append(UInt8(ascii: "\""))
            name.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: ":"))
        }
        key("annotator"); string(p.annotator, into: &out)
        key("choice"); string(p.choice.rawValue, into: &out)
        if let v = p.comparisonID { key("comparison_id"); string(v, into: &out) }
        key("created_at"); out.append(UInt8(ascii: "\"")); out.append(contentsOf: ISO8601Time.bytes(p.createdAt)); out.append(UInt8(ascii: "\""))
        if let v = p.dataset { key("dataset"); string(v, into: &out) }
        key("id"); string(p.id, into: &out)
        if let v = p.metadata { key("metadata"); v.write(into: &out) }
        key("prompt"); string(p.prompt, into: &out)
        if let v = p.promptMessages {
            key("prompt_messages")
            JSONValue.array(v.map { .object(["role": .string($0.role), "content": .string($0.content)]) }).write(into: &out)
        }
        if let v = p.rationale { key("rationale"); string(v, into: &out) }
        key("response_a"); string(p.responseA, into: &out)
        key("response_b"); string(p.responseB, into: &out)
        if let v = p.shownFirst { key("shown_first"); string(v, into: &out) }
        if let v = p.strength { key("strength"); JSONWriter.writeInt(v, into: &out) }
        if let v = p.timeSpentMS { key("time_spent_ms"); JSONWriter.writeInt(v, into: &out) }
        if let v = p.undoes { key("undoes"); string(v, into: &out) }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// `{"items":[...]}` as `ListBody` encodes it when there is no next page.
    static func encodeList(_ items: [Preference]) -> [UInt8] {
        var out = Array(#"{"items":["#.utf8)
        for (index, item) in items.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: encode(item))
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    /// A JSON string literal, through the one escaper (quotes, backslashes and C0 controls, as JSONEncoder).
    static func string(_ text: String, into out: inout [UInt8]) {
        JSONWriter.writeString(text, into: &out)
    }
}
