import Storage

struct AgreementBody: Encodable, Sendable {
    var dataset: String?
    var items: Int
    var excludedItems: Int
    var judgements: Int
    var rawAgreement: Double?
    var fleissKappa: Double?
    /// Each annotator against the majority of the others (Cohen's κ); nil on the per-comparison route.
    var annotators: [Annotator]?

    struct Annotator: Encodable, Sendable {
        var annotator: String
        var items: Int
        var agreement: Double?
        var kappa: Double?
    }

    init(_ report: AgreementReport, annotators: [AnnotatorAgreement]? = nil) {
        self.annotators = annotators?.map { Annotator(annotator: $0.annotator, items: $0.items, agreement: $0.agreement, kappa: $0.kappa) }
        dataset = report.dataset
        items = report.items
        excludedItems = report.excludedItems
        judgements = report.judgements
        rawAgreement = report.rawAgreement
        fleissKappa = report.fleiss?.kappa
    }
}
