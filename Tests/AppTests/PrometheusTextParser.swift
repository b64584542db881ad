import Foundation

/// A strict reader of the Prometheus text exposition format (0.0.4), for tests: every line must be a
/// comment, a HELP or TYPE line or a well-formed sample; a family's TYPE comes once, before its samples,
/// which are contiguous; no series appears twice; a histogram's buckets are cumulative and end with
/// `le="+Inf"` equal to `_count`. Throws naming the line at fault.
struct PrometheusTextParser {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Family {
        var name: String
        var type: String
        var help: String?
        var samples: [Sample] = []
    }

    struct ParseError: Error, CustomStringConvertible {
        let line: Int
        let reason: String
        var description: String { "line \(line): \(reason)" }
    }

    static func parse(_ text: String) throws -> [String: Family] {
        var families: [String: Family] = [:]
        var finished: Set<String> = []
        var current: String?
        var seen: Set<String> = []
        var typed: Set<String> = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard text.hasSuffix("\n") else { throw ParseError(line: lines.count, reason: "no newline at the end") }
        for (index, raw) in lines.dropLast().enumerated() {
            let number = index + 1, line = String(raw)
            func fail(_ reason: String) -> ParseError { ParseError(line: number, reason: "\(reason): \(line)") }
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
                guard parts.count >= 3, parts[1] == "HELP" || parts[1] == "TYPE" else { continue }
                let name = parts[2]
                guard isMetricName(name) else { throw fail("bad metric name") }
                if current != name, let current { finished.insert(current) }
                guard !finished.contains(name) else { throw fail("family \(name) resumed after another") }
                current = name
                if parts[1] == "TYPE" {
                    guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else { throw fail("bad type") }
                    guard typed.insert(name).inserted else { throw fail("second TYPE") }
                    guard families[name]?.samples.isEmpty ?? true else { throw fail("TYPE after samples") }
                    families[name, default: Family(name: name, type: "")].type = parts[3]
                } else {
                    guard families[name]?.help == nil else { throw fail("second HELP") }
                    families[name, default: Family(name: name, type: "")].help = parts.count == 4 ? parts[3] : ""
                }
                continue
            }
            let sample = try sampleLine(line, fail: fail)
            var family = sample.name
            for suffix in ["_bucket", "_sum", "_count"] where sample.name.hasSuffix(suffix) {
                let base = String(sample.name.dropLast(suffix.count))
                if families[base]?.type == "histogram" || families[base]?.type == "summary" { family = base }
            }
            if family != current {
                if let current { finished.insert(current) }
                guard !finished.contains(family) else { throw fail("family \(family) resumed after another") }
                current = family
            }
            if families[family] == nil { families[family] = Family(name: family, type: "untyped") }
            if families[family]?.type == "" { families[family]?.type = "untyped" }
            let key = sample.name + "{" + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
            guard seen.insert(key).inserted else { throw fail("duplicate series") }
            families[family]?.samples.append(sample)
        }
        for family in families.values where family.type == "histogram" { try checkHistogram(family) }
        return families
    }

    static func isMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first == ":" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0 == ":" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    private static func sampleLine(_ line: String, fail: (String) -> ParseError) throws -> Sample {
        var rest = Substring(line)
        let name = String(rest.prefix { $0 != "{" && $0 != " " })
        guard isMetricName(name) else { throw fail("bad metric name") }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let label = String(rest.prefix { $0 != "=" })
                guard isMetricName(label), !label.contains(":"), rest.dropFirst(label.count).hasPrefix("=\"") else { throw fail("bad label") }
                rest = rest.dropFirst(label.count + 2)
                var value = ""
                while true {
                    guard let c = rest.first else { throw fail("unterminated label value") }
                    rest = rest.dropFirst()
                    if c == "\"" { break }
                    if c == "\\" {
                        guard let escaped = rest.first else { throw fail("dangling escape") }
                        rest = rest.dropFirst()
                        switch escaped {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw fail("bad escape")
                        }
                    } else {
                        value.append(c)
                    }
                }
                guard labels.updateValue(value, forKey: label) == nil else { throw fail("label given twice") }
                if rest.first == "," { rest = rest.dropFirst() } else if rest.first != "}" { throw fail("expected , or }") }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { throw fail("no value") }
        let fields = rest.dropFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard (1...2).contains(fields.count), let value = number(String(fields[0])) else { throw fail("bad value") }
        if fields.count == 2, Int64(fields[1]) == nil { throw fail("bad timestamp") }
        return Sample(name: name, labels: labels, value: value)
    }

    static func number(_ text: String) -> Double? {
        switch text {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default: return Double(text)
        }
    }

    private static func checkHistogram(_ family: Family) throws {
        var groups: [[String: String]: [(Double, Double)]] = [:]
        var counts: [[String: String]: Double] = [:]
        for sample in family.samples {
            var labels = sample.labels
            if sample.name == family.name + "_bucket" {
                guard let le = labels.removeValue(forKey: "le"), let bound = number(le) else {
                    throw ParseError(line: 0, reason: "\(family.name): bucket without le")
                }
                groups[labels, default: []].append((bound, sample.value))
            } else if sample.name == family.name + "_count" {
                counts[labels] = sample.value
            }
        }
        for (labels, buckets) in groups {
            guard buckets.map(\.0) == buckets.map(\.0).sorted(), buckets.last?.0 == .infinity,
                  buckets.map(\.1) == buckets.map(\.1).sorted(), buckets.last?.1 == counts[labels]
            else { throw ParseError(line: 0, reason: "\(family.name)\(labels): buckets not cumulative or +Inf ≠ _count") }
        }
    }
}
