import Foundation
import KlaroCore
import KlaroRedis
import KlaroTelemetry

/// A result read from the stream that passed the schema: the entry it came from and what it says.
struct IncomingResult: Sendable {
    let entryID: String
    let message: ResultMessage
}

/// A stream entry klarod will not ingest, and why (docs/protocol.md §9). The entry's payload
/// goes to the dead-letter stream with it, taken from the entry itself.
struct Rejection: Error, Sendable {
    let entryID: String
    let reason: ResultRejectionReason
    let detail: String
}

/// Checks a stream entry against the protocol before any database work: size, JSON, schema,
/// and the ranges a well-behaved worker cannot exceed. Checks against the job happen in
/// ``IngestStore``, which knows the jobs.
struct ResultValidator: Sendable {
    let maxDeals: Int

    func validate(_ entry: StreamEntry, now: Date = Date()) -> Result<IncomingResult, Rejection> {
        guard let payload = entry.fields["result"] else {
            return .failure(reject(entry, .invalidJSON, "the entry has no 'result' field"))
        }
        guard payload.count <= ProtocolKeys.maxResultBytes else {
            return .failure(reject(entry, .tooLarge, "\(payload.count) bytes, more than \(ProtocolKeys.maxResultBytes)"))
        }
        let message: ResultMessage
        switch ResultMessage.decode(payload) {
        case .success(let decoded): message = decoded
        case .failure(.invalidJSON(let detail)): return .failure(reject(entry, .invalidJSON, detail))
        case .failure(.schema(let detail)): return .failure(reject(entry, .schema, detail))
        }
        if let problem = problem(in: message, now: now) {
            return .failure(reject(entry, .schema, problem))
        }
        return .success(IncomingResult(entryID: entry.id, message: message))
    }

    /// The first range or consistency problem, or nil.
    func problem(in message: ResultMessage, now: Date) -> String? {
        let nowMs = EpochMilliseconds.from(now)
        let earliest: Int64 = 946_684_800_000  // 2000-01-01
        if !ProtocolKeys.isValidHostID(message.host) { return "host: not a valid host id" }
        if !(1...1024).contains(message.slot) { return "slot: out of range 1…1024" }
        if message.fence < 1 { return "fence: must be positive" }
        if message.startedAt < earliest || message.startedAt > nowMs + 86_400_000 { return "started_at: not a plausible time" }
        if message.finishedAt < message.startedAt || message.finishedAt > nowMs + 86_400_000 {
            return "finished_at: before started_at or in the future"
        }
        if let login = message.loginMs, login < 0 { return "login_ms: negative" }
        if let fetch = message.fetchMs, fetch < 0 { return "fetch_ms: negative" }
        if let error = message.mt5Error, error.message.utf8.count > 1024 { return "mt5_error.message: longer than 1024 bytes" }
        if message.outcome == .ok {
            guard message.account != nil else { return "account: required when outcome is ok" }
            guard message.positions != nil else { return "positions: required when outcome is ok" }
            guard message.deals != nil else { return "deals: required when outcome is ok" }
        }
        if let positions = message.positions {
            if positions.count > ProtocolKeys.maxPositions { return "positions: more than \(ProtocolKeys.maxPositions)" }
            if positions.contains(where: { $0.symbol.utf8.count > 4096 || $0.comment.utf8.count > 4096 || $0.externalID.utf8.count > 4096 }) {
                return "positions: a text field is longer than 4096 bytes"
            }
        }
        if let deals = message.deals {
            if deals.count > maxDeals { return "deals: more than max_deals (\(maxDeals))" }
            if deals.contains(where: { $0.symbol.utf8.count > 4096 || $0.comment.utf8.count > 4096 || $0.externalID.utf8.count > 4096 }) {
                return "deals: a text field is longer than 4096 bytes"
            }
        }
        if let account = message.account, !(account.balance.isFinite && account.equity.isFinite) {
            return "account: balance and equity must be finite"
        }
        return nil
    }

    private func reject(_ entry: StreamEntry, _ reason: ResultRejectionReason, _ detail: String) -> Rejection {
        Rejection(entryID: entry.id, reason: reason, detail: detail)
    }
}
