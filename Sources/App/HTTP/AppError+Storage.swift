import Storage

extension AppError {
    /// Runs a repository call, turning the domain errors it reports into problems that name the request field
    /// at fault: `field(entity, item)` says which field of which item held the record's id (`items[1].comparison_id`).
    /// Storage knows records, not requests; this is the one place its domain errors meet the API's words.
    static func naming<T>(_ field: (MissingRecord.Entity, Int?) -> String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as MissingRecord {
            throw AppError(error, field: field(error.entity, error.item))
        } catch let error as StateConflict {
            throw AppError(error, field: field(.comparison, error.item))
        }
    }

    /// 422 `unknown_reference`: the field names a record that does not exist.
    init(_ error: MissingRecord, field: String) {
        self.init(.unprocessableContent, code: "unknown_reference", detail: "\(field) refers to '\(error.id)', which does not exist", field: field)
    }

    /// 409 with the conflict's code (`already_judged`, `judgements_complete`).
    init(_ error: StateConflict, field: String) {
        switch error.kind {
        case .alreadyJudged(let annotator):
            self.init(.conflict, code: "already_judged", detail: "\(annotator) has already judged \(error.comparisonID)", field: field)
        case .judgementsComplete(let required):
            self.init(.conflict, code: "judgements_complete", detail: "\(error.comparisonID) already has its \(required) judgement(s)", field: field)
        }
    }
}
