import Foundation

/// How much an account's data moves, which decides how often it is synced (issue 13):
/// `moving` accounts change every second, `dormant` ones not at all.
public enum SyncClass: String, Sendable, Codable, CaseIterable, Comparable {
    /// Open positions, or a deal in the last ``SyncClass/movingWindow``.
    case moving
    /// Neither moving nor dormant.
    case quiet
    /// No open position and no deal for ``SyncClass/dormantAfter``.
    case dormant

    /// How recent a deal keeps an account moving: 24 hours.
    public static let movingWindow: TimeInterval = 86_400
    /// How long without positions and deals makes an account dormant: 7 days.
    public static let dormantAfter: TimeInterval = 7 * 86_400

    /// The class of an account seen with `openPositions` open positions and its newest deal
    /// at `lastDealAt` (nil: none known). `knownSince` is when Klaro started watching it (its
    /// creation): an account is not called dormant before it has been watched that long.
    public static func classify(openPositions: Int, lastDealAt: Date?, knownSince: Date, now: Date) -> SyncClass {
        if openPositions > 0 { return .moving }
        if let lastDealAt, now.timeIntervalSince(lastDealAt) < movingWindow { return .moving }
        let quietSince = max(lastDealAt ?? knownSince, knownSince)
        return now.timeIntervalSince(quietSince) >= dormantAfter ? .dormant : .quiet
    }

    /// Order of urgency: moving before quiet before dormant.
    public static func < (lhs: SyncClass, rhs: SyncClass) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
