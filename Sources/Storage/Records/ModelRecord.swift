public import Foundation

/// A stored model: its architecture and lineage, and which checkpoint holds its weights.
public struct ModelRecord: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    /// `policy`, `reward_model`, `critic` or `preference_model`.
    public var kind: String
    /// The architecture as JSON (the policy module's config), kept opaque here.
    public var architecture: String
    public var parameterCount: Int
    /// The model this one was made from (fine-tuning, preference optimisation).
    public var parentID: String?
    /// The run that made it.
    public var runID: String?
    public var seed: Int?
    /// `initialised`, `uploaded` or `trained`.
    public var source: String
    public var checkpointSHA256: String
    public var checkpointBytes: Int
    public var createdAt: Date

    public init(id: String, name: String, kind: String, architecture: String, parameterCount: Int, parentID: String?,
                runID: String?, seed: Int?, source: String, checkpointSHA256: String, checkpointBytes: Int, createdAt: Date) {
        self.id = id
        self.name = name
        self.kind = kind
        self.architecture = architecture
        self.parameterCount = parameterCount
        self.parentID = parentID
        self.runID = runID
        self.seed = seed
        self.source = source
        self.checkpointSHA256 = checkpointSHA256
        self.checkpointBytes = checkpointBytes
        self.createdAt = createdAt
    }
}

/// What a stored model is. Stored and shown as its raw value.
public enum ModelKind: String, Sendable, CaseIterable, Codable {
    case policy
    case rewardModel = "reward_model"
    case critic
    case preferenceModel = "preference_model"

    /// Kinds whose checkpoint carries a scalar value head on the trunk's final hidden state.
    public var hasValueHead: Bool { self == .rewardModel || self == .critic }
}
