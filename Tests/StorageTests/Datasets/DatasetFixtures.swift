import Foundation
import Storage

/// Builds a preference with test defaults; `at` is seconds after a fixed epoch.
func preference(_ id: String, comparison: String? = "c1", annotator: String = "ann1", choice: Choice,
                prompt: String = "What is 2+2?", a: String = "4", b: String = "5", strength: Int? = nil,
                time: Int? = nil, dataset: String? = "math", at seconds: Double = 0) -> Preference {
    Preference(id: id, comparisonID: comparison, prompt: prompt, responseA: a, responseB: b, choice: choice,
               strength: strength, rationale: nil, annotator: annotator, shownFirst: "a", timeSpentMS: time,
               dataset: dataset, createdAt: Date(timeIntervalSince1970: 1_700_000_000 + seconds))
}

/// Bytes as text, for comparing with golden JSONL.
func text(_ bytes: [UInt8]) -> String {
    String(decoding: bytes, as: UTF8.self)
}

/// JSONL text as bytes.
func bytes(_ text: String) -> [UInt8] {
    Array(text.utf8)
}

/// Parses one JSONL line with Foundation, to prove the output is JSON an independent parser accepts.
func jsonObject(_ line: [UInt8]) -> [String: Any]? {
    try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
}
