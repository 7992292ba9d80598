import Foundation
import KlaroAdminAPI

/// klarod's `/admin` answers as the CLI reads them. The bodies are klarod's own types from
/// KlaroAdminAPI, so the two cannot drift; those decode a klarod one version apart (extra
/// fields ignored, fields no command shows optional, states and reasons plain strings).
enum Wire {
    typealias Status = AdminAPI.Status
    typealias AccountList = AdminAPI.AccountList
    typealias Account = AdminAPI.Account
    typealias Rebalance = AdminAPI.Rebalance
    typealias SyncRequest = AdminAPI.SyncRequest
    typealias RunList = AdminAPI.RunList
    typealias Run = AdminAPI.Run
    typealias AuditList = AdminAPI.AuditList<JSONText>
    typealias AuditEntry = AdminAPI.AuditEntry<JSONText>
    typealias Fleet = AdminAPI.Fleet
    typealias Host = AdminAPI.Host
    typealias Slot = AdminAPI.Slot

    /// Any JSON value, kept as compact text for a table cell (and, for objects, by key).
    struct JSONText: Decodable, Sendable {
        let text: String
        let fields: [String: String]?

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            let object = try? container.decode([String: JSONText].self)
            fields = object?.mapValues(\.text)
            if let object {
                text = object.keys.sorted().map { "\($0)=\(object[$0]!.text)" }.joined(separator: " ")
            } else if let array = try? container.decode([JSONText].self) {
                text = "[" + array.map(\.text).joined(separator: ",") + "]"
            } else if let string = try? container.decode(String.self) {
                text = string
            } else if let number = try? container.decode(Double.self) {
                text = number.rounded() == number ? String(Int64(number)) : String(number)
            } else if let bool = try? container.decode(Bool.self) {
                text = String(bool)
            } else {
                text = "null"
            }
        }
    }

    /// An error answer (problem+json).
    struct Problem: Decodable, Sendable {
        struct FieldError: Decodable, Sendable {
            let field: String
            let message: String
        }

        let code: String
        let message: String
        let errors: [FieldError]?

        /// The message, with each field's problem.
        var text: String {
            guard let errors, !errors.isEmpty else { return message }
            return errors.map { "\($0.field) \($0.message)" }.joined(separator: "; ")
        }
    }
}
