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
        String(decoding: jsonBytes(), as: UTF8.self)
    }

    /// The JSON text as UTF-8 bytes, what the scheduler hands to Redis. Written byte by byte:
    /// it is on the dispatch path (2,000 jobs a tick) and the field set is fixed.
    public func jsonBytes() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(320 + server.utf8.count + passwordSealed.utf8.count)
        out.append(ascii: "{\"v\":")
        out.append(decimal: Int64(v))
        out.append(ascii: ",\"job_id\":")
        out.append(uuid: jobID)
        out.append(ascii: ",\"account_id\":")
        out.append(uuid: accountID)
        out.append(ascii: ",\"attempt\":")
        out.append(decimal: Int64(attempt))
        out.append(ascii: ",\"fence\":")
        out.append(decimal: fence)
        out.append(ascii: ",\"login\":")
        out.append(decimal: login)
        out.append(ascii: ",\"server\":")
        JSONText.appendQuoted(server, to: &out)
        out.append(ascii: ",\"password_sealed\":")
        JSONText.appendQuoted(passwordSealed, to: &out)
        out.append(ascii: ",\"history_from\":")
        out.append(decimal: historyFrom)
        out.append(ascii: ",\"history_to\":")
        out.append(decimal: historyTo)
        out.append(ascii: ",\"dispatched_at\":")
        out.append(decimal: dispatchedAt)
        out.append(ascii: ",\"deadline\":")
        out.append(decimal: deadline)
        out.append(ascii: ",\"max_deals\":")
        out.append(decimal: Int64(maxDeals))
        out.append(UInt8(ascii: "}"))
        return out
    }
}

extension [UInt8] {
    fileprivate mutating func append(ascii text: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    fileprivate mutating func append(decimal value: Int64) {
        if value < 0 { append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(48 + magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// A quoted lowercase hyphenated UUID.
    fileprivate mutating func append(uuid: UUID) {
        let hex: StaticString = "0123456789abcdef"
        append(UInt8(ascii: "\""))
        Swift.withUnsafeBytes(of: uuid.uuid) { bytes in
            for (index, byte) in bytes.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 { append(UInt8(ascii: "-")) }
                append(hex.utf8Start[Int(byte >> 4)])
                append(hex.utf8Start[Int(byte & 0x0F)])
            }
        }
        append(UInt8(ascii: "\""))
    }
}

/// JSON string literals.
public enum JSONText {
    /// Appends `value` as a JSON string literal, as ``quoted(_:)`` writes it.
    public static func appendQuoted(_ value: String, to out: inout [UInt8]) {
        var value = value
        let plain = value.withUTF8 { bytes in
            // Most strings (base64, server names) need no escape: copied as they are.
            guard !bytes.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else { return false }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: bytes)
            out.append(UInt8(ascii: "\""))
            return true
        }
        if !plain { out.append(contentsOf: quoted(value).utf8) }
    }

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
