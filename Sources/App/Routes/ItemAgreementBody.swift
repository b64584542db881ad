import Storage

struct ItemAgreementBody: Encodable, Sendable {
    var comparisonId: String
    var votes: VotesBody
    var pairs: Int
    var agreeingPairs: Int
    var rawAgreement: Double?
    var outcome: String?

    init(_ item: AgreementItem) {
        comparisonId = item.comparisonID
        votes = VotesBody(item.votes)
        pairs = item.pairs
        agreeingPairs = item.agreeingPairs
        rawAgreement = item.rawAgreement
        outcome = MajorityResolution.outcome(of: item.votes)?.rawValue
    }
}
