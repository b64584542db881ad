import Crypto
import Foundation
import Policy
import Storage

struct ModelBody: Encodable, Sendable {
    var id: String
    var name: String
    var kind: String
    var architecture: GPTConfig?
    var parameterCount: Int
    var parentId: String?
    var runId: String?
    var seed: Int?
    var source: String
    var checkpointSha256: String
    var checkpointBytes: Int
    var createdAt: Date

    init(_ record: ModelRecord) {
        id = record.id
        name = record.name
        kind = record.kind
        architecture = try? JSONDecoder().decode(GPTConfig.self, from: Data(record.architecture.utf8))
        parameterCount = record.parameterCount
        parentId = record.parentID
        runId = record.runID
        seed = record.seed
        source = record.source
        checkpointSha256 = record.checkpointSHA256
        checkpointBytes = record.checkpointBytes
        createdAt = record.createdAt
    }
}
