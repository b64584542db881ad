public protocol RolloutScorer: Sendable { func rewards(prompts: [String], responses: [String]) throws -> [Double] }
