import Foundation

/// A sync job as klarod sends it to a slot (docs/protocol.md §6).
public struct JobMessage: Codable, Sendable, Equatable {
    public var v: Int
    public var jobID: UUID
    public var accountID: UUID
    public var attempt: Int
    public var fence: Int64
    public var login: Int64
    public var server: String
    /// The password sealed to the host's key (§7); never the password itself.
    public var passwordSealed: String
    public var historyFrom: Int64
    public var historyTo: Int64
    public var dispatchedAt: Int64
    public var deadline: Int64
    public var maxDeals: Int

    public init(
        jobID: UUID, accountID: UUID, attempt: Int, fence: Int64, login: Int64, server: String, passwordSealed: String,
        historyFrom: Int64, historyTo: Int64, dispatchedAt: Int64, deadline: Int64, maxDeals: Int
    ) {
        self.v = ProtocolKeys.version
        self.jobID = jobID
        self.accountID = accountID
        self.attempt = attempt
        self.fence = fence
        self.login = login
        self.server = server
        self.passwordSealed = passwordSealed
        self.historyFrom = historyFrom
        self.historyTo = historyTo
        self.dispatchedAt = dispatchedAt
        self.deadline = deadline
        self.maxDeals = maxDeals
    }

    enum CodingKeys: String, CodingKey {
        case v, attempt, fence, login, server, deadline
        case jobID = "job_id"
        case accountID = "account_id"
        case passwordSealed = "password_sealed"
        case historyFrom = "history_from"
        case historyTo = "history_to"
        case dispatchedAt = "dispatched_at"
        case maxDeals = "max_deals"
    }

    /// The JSON text, with lower-case UUIDs as the schema's examples use.
    public func json() -> String {
        // Hand-written: it is on the dispatch path and the field set is fixed.
        var text = "{\"v\":\(v),\"job_id\":\"\(jobID.uuidString.lowercased())\",\"account_id\":\"\(accountID.uuidString.lowercased())\""
        text += ",\"attempt\":\(attempt),\"fence\":\(fence),\"login\":\(login),\"server\":\(JSONText.quoted(server))"
        text += ",\"password_sealed\":\(JSONText.quoted(passwordSealed)),\"history_from\":\(historyFrom),\"history_to\":\(historyTo)"
        text += ",\"dispatched_at\":\(dispatchedAt),\"deadline\":\(deadline),\"max_deals\":\(maxDeals)}"
        return text
    }
}

/// JSON string literals.
public enum JSONText {
    /// `value` as a JSON string literal, escaping quotes, backslashes and control characters.
    public static func quoted(_ value: String) -> String {
        var result = "\""
        result.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case let c where c.value < 0x20:
                result += "\\u" + String(repeating: "0", count: 4 - String(c.value, radix: 16).count) + String(c.value, radix: 16)
            default: result.unicodeScalars.append(scalar)
            }
        }
        result += "\""
        return result
    }
}
