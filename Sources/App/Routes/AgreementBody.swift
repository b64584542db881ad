import Storage

struct AgreementBody: Encodable, Sendable {
    var dataset: String?
    var items: Int
    var excludedItems: Int
    var judgements: Int
    var rawAgreement: Double?
    var fleissKappa: Double?

    init(_ report: AgreementReport) {
        dataset = report.dataset
        items = report.items
        excludedItems = report.excludedItems
        judgements = report.judgements
        rawAgreement = report.rawAgreement
        fleissKappa = report.fleiss?.kappa
    }
}
