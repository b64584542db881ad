/// Preferences grouped by comparison, keeping one judgement per annotator.
///
/// Preferences are append-only, so an annotator who changes their mind posts a
/// second preference; counting both would give them two votes. The latest one
/// (by `createdAt`, then by input position) is their judgement.
struct JudgementGroup {
    /// The comparison judged, or nil for a lone inline preference.
    var comparisonID: String?
    /// One preference per annotator, in input order of the surviving preferences.
    var preferences: [Preference]
}

enum LatestJudgements {
    /// Groups `preferences` by comparison, in order of each comparison's first
    /// appearance; inline preferences (no comparison) form groups of one at
    /// their own position, so output order follows the caller's order.
    static func groups(_ preferences: [Preference]) -> [JudgementGroup] {
        var slots: [Slot] = []
        var slotForComparison: [String: Int] = [:]
        for (position, preference) in preferences.enumerated() {
            guard let comparisonID = preference.comparisonID else {
                slots.append(Slot(comparisonID: nil, latest: [(position, preference)]))
                continue
            }
            let slot: Int
            if let existing = slotForComparison[comparisonID] {
                slot = existing
            } else {
                slot = slots.count
                slotForComparison[comparisonID] = slot
                slots.append(Slot(comparisonID: comparisonID, latest: []))
            }
            slots[slot].record(position: position, preference: preference)
        }
        return slots.map(\.group)
    }

    /// One comparison's group from its preferences in input order: what `groups` makes of
    /// them, for callers that read a store one comparison at a time.
    static func group(comparisonID: String?, _ preferences: [Preference]) -> JudgementGroup {
        var slot = Slot(comparisonID: comparisonID, latest: [])
        for (position, preference) in preferences.enumerated() { slot.record(position: position, preference: preference) }
        return slot.group
    }

    private struct Slot {
        var comparisonID: String?
        var latest: [(position: Int, preference: Preference)]

        var group: JudgementGroup {
            // An annotator whose latest row is an undo has withdrawn their judgement: no vote.
            JudgementGroup(comparisonID: comparisonID,
                           preferences: latest.sorted { $0.position < $1.position }.map(\.preference).filter { $0.undoes == nil })
        }

        mutating func record(position: Int, preference: Preference) {
            if let index = latest.firstIndex(where: { $0.preference.annotator == preference.annotator }) {
                // Later input position wins a createdAt tie: storage lists in (created_at, id) order.
                if preference.createdAt >= latest[index].preference.createdAt {
                    latest[index] = (position, preference)
                }
            } else {
                latest.append((position, preference))
            }
        }
    }
}
