import Alignment
public import Foundation
import HTTPClient
import Storage

extension EvaluationSpec: Codable {
    static let keys: Set<String> = ["model", "baseline", "task", "judge", "judge_options", "samples_per_prompt", "seed",
                                    "generation", "max_prompts", "prompts_until"]

    /// Decodes and validates a request body (or a stored spec). `now` fixes a prompt dataset's cut-off.
    public static func decode(_ bytes: [UInt8], now: Date = Date()) throws(RunSpecError) -> EvaluationSpec {
        let decoder = JSONDecoder()
        decoder.userInfo[nowKey] = now
        do {
            return try decoder.decode(EvaluationSpec.self, from: Data(bytes))
        } catch let error as RunSpecError {
            throw error
        } catch let error as DecodingError {
            switch error {
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context), .dataCorrupted(let context):
                throw RunSpecError(fieldPath(context.codingPath), context.debugDescription)
            @unknown default:
                throw RunSpecError("", "the evaluation is not valid JSON")
            }
        } catch {
            throw RunSpecError("", "the evaluation is not valid JSON")
        }
    }

    static let nowKey = CodingUserInfoKey(rawValue: "now")!

    public init(from decoder: any Decoder) throws {
        let object = try SpecObject(decoder)
        try object.rejectUnknown(Self.keys)
        model = try object.requiredString("model")
        baseline = try object.requiredString("baseline")
        guard let task = try object.object("task") else { throw RunSpecError("task", "is required") }
        try task.rejectUnknown(["kind", "name", "dataset"])
        let now = decoder.userInfo[Self.nowKey] as? Date ?? Date()
        switch try task.requiredString("kind") {
        case "text":
            try task.rejectUnknown(["kind", "name"])
            let name = try task.requiredString("name")
            guard TextTasks.named(name) != nil else {
                throw RunSpecError("task.name", "unknown task '\(name)'; expected one of \(TextTasks.all.map(\.name).joined(separator: ", "))")
            }
            source = .task(name)
        case "prompts":
            try task.rejectUnknown(["kind", "dataset"])
            let until = try object.string("prompts_until", maxLength: 40).map { text throws(RunSpecError) -> Date in
                guard let date = RFC3339.parse(text) else { throw RunSpecError("prompts_until", "must be an RFC 3339 time") }
                return date
            } ?? now
            source = .prompts(dataset: try task.requiredString("dataset"), until: until)
        case let other:
            throw RunSpecError("task.kind", "unknown kind '\(other)'; expected text or prompts")
        }
        let defaultJudge = TextTasks.named(Self.taskName(source) ?? "").map { "oracle:\($0.name)" }
        guard let judge = try object.string("judge", maxLength: 2000) ?? defaultJudge else {
            throw RunSpecError("judge", "is required for a prompt dataset (an http:// or https:// judge, reward_model:<id> or preference_model:<id>)")
        }
        self.judge = judge
        if judge.hasPrefix("oracle:") {
            guard case .task(let name) = source, judge == "oracle:\(name)" else {
                throw RunSpecError("judge", "an oracle judges its own task only: use oracle:\(Self.taskName(source) ?? "<task>") on a text task")
            }
            guard !object.has("judge_options") else { throw RunSpecError("judge_options", "an oracle takes no options") }
        } else if judge.hasPrefix("http://") || judge.hasPrefix("https://") {
            guard HTTPClientRequest.isAcceptableURL(judge) else {
                throw RunSpecError("judge", "a remote judge URL has no spaces, control characters or brackets in its host")
            }
            var options = RemoteJudgeOptions()
            if object.has("judge_options") {
                guard let nested = try object.object("judge_options") else { throw RunSpecError("judge_options", "must be an object") }
                options = try RemoteJudgeOptions(reading: nested)
            }
            if let (field, message) = options.violation() { throw RunSpecError("judge_options.\(field)", message) }
            judgeOptions = options
        } else if let (_, id) = TrainingRunSpec.judgeModel(judge) {
            guard !id.isEmpty, id.count <= 64 else { throw RunSpecError("judge", "\(judge.prefix { $0 != ":" }):<id> needs the id of a stored model") }
            guard !object.has("judge_options") else { throw RunSpecError("judge_options", "a stored model judge takes no options") }
        } else {
            throw RunSpecError("judge", "expected oracle:<task>, reward_model:<id>, preference_model:<id> or an http:// or https:// URL")
        }
        samplesPerPrompt = try object.integer("samples_per_prompt", range: 1...64) ?? 4
        seed = try object.integer("seed", range: 0...Int(Int32.max)) ?? 0
        maxPrompts = try object.integer("max_prompts", range: 1...10_000) ?? 10_000
        let base = TextTasks.named(Self.taskName(source) ?? "")?.sampling
        temperature = Double(base?.temperature ?? 1)
        topP = Double(base?.topP ?? 1)
        maxNewTokens = base?.maxNewTokens ?? 64
        if let generation = try object.object("generation") {
            try generation.rejectUnknown(["temperature", "top_p", "max_new_tokens"])
            if let t = try generation.decode(Double.self, "temperature", what: "a number") {
                guard t.isFinite, (0...5).contains(t) else { throw RunSpecError("generation.temperature", "must be from 0 to 5") }
                temperature = t
            }
            if let p = try generation.decode(Double.self, "top_p", what: "a number") {
                guard p.isFinite, p > 0, p <= 1 else { throw RunSpecError("generation.top_p", "must be in (0, 1]") }
                topP = p
            }
            maxNewTokens = try generation.integer("max_new_tokens", range: 1...1024) ?? maxNewTokens
        }
    }

    static func taskName(_ source: Source) -> String? {
        if case .task(let name) = source { return name }
        return nil
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyKey.self)
        try container.encode(model, forKey: AnyKey("model"))
        try container.encode(baseline, forKey: AnyKey("baseline"))
        switch source {
        case .task(let name):
            try container.encode(["kind": "text", "name": name], forKey: AnyKey("task"))
        case .prompts(let dataset, let until):
            try container.encode(["kind": "prompts", "dataset": dataset], forKey: AnyKey("task"))
            try container.encode(ISO8601Time.string(until), forKey: AnyKey("prompts_until"))
        }
        try container.encode(judge, forKey: AnyKey("judge"))
        if let judgeOptions { try container.encode(judgeOptions, forKey: AnyKey("judge_options")) }
        try container.encode(samplesPerPrompt, forKey: AnyKey("samples_per_prompt"))
        try container.encode(seed, forKey: AnyKey("seed"))
        try container.encode(maxPrompts, forKey: AnyKey("max_prompts"))
        var generation = container.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("generation"))
        try generation.encode(temperature, forKey: AnyKey("temperature"))
        try generation.encode(topP, forKey: AnyKey("top_p"))
        try generation.encode(maxNewTokens, forKey: AnyKey("max_new_tokens"))
    }

    /// The resolved JSON, sorted keys.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
