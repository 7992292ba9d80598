import Foundation

/// Where a job's deal history starts (`history_from`, Unix ms).
public enum HistoryWindow {
    /// Deal windows overlap the previous sync's newest deal by this much (DESIGN §8).
    public static let overlapSeconds: Int64 = 2 * 86_400

    /// The start of the history to fetch: the cursor (newest deal time seen, broker epoch
    /// seconds) less the overlap; 0, the whole history, when the account has no cursor yet,
    /// whatever its plan.
    public static func from(cursor: Int64?) -> Int64 {
        guard let cursor else { return 0 }
        return max(0, (cursor - overlapSeconds) * 1000)
    }
}
