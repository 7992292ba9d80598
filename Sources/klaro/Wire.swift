import Foundation

/// The parts of klarod's `/admin` answers that the CLI reads (docs/fleet.md lists them in
/// full). Each type holds only the fields a command shows, so a klarod that adds, drops or
/// renames any other field still decodes, and `--json` prints the answer as klarod sent it.
/// Optional where klarod omits empty values; states and reasons are plain strings, so a
/// state this CLI does not know is shown rather than refused. These are deliberately not the
/// server's types (`AdminStatus`, `FleetOverview.Host`, `AdminAccountView`, …): those carry
/// every field and typed enums, and the CLI tests run this binary against a real klarod, so
/// a drift between the two fails there.
enum Wire {
    struct Status: Decodable, Sendable {
        struct Leader: Decodable, Sendable {
            let present: Bool
            let this_node: Bool
            let node: String
            let client_addr: String?
            let since: Date?
        }

        struct Syncs: Decodable, Sendable {
            let total: Int
            let ok: Int
            let success_rate: Double?
            let by_outcome: [String: Int]
        }

        struct Accounts: Decodable, Sendable {
            let by_status: [String: Int]
            let stale: Int
            let unplaced: Int
            let oldest_success_age_seconds: Double?
            let never_synced: Int
        }

        struct Queue: Decodable, Sendable {
            let due: Int
            let in_flight: Int
        }

        let generated_at: Date
        let leader: Leader
        let syncs_1h: Syncs
        let accounts: Accounts
        let queue: Queue
        let slots: [String: Int]
        let hosts: [String: Int]
        let demand_ratio: Double
    }

    struct Fleet: Decodable, Sendable {
        let hosts: [Host]
    }

    struct Host: Decodable, Sendable {
        let host: String
        let state: String
        let admin_state: String
        let key_fingerprint: String?
        let approved_key_fingerprint: String?
        let key_approved: Bool
        let version: String
        let last_seen_at: Date?
        let live_slots: Int
        let accounts: Int
        let in_flight: Int
        let syncs_1h: Int
        let success_rate_1h: Double?
        let slots: [Slot]
    }

    struct Slot: Decodable, Sendable {
        let slot: Int
        let state: String
        let placement: String
        let accounts: Int
        let capacity: Int?
        let in_flight: Int
        let current_job_id: String?
        let heartbeat_age_seconds: Double?
        let success_rate_1h: Double?
    }

    struct AccountList: Decodable, Sendable {
        let accounts: [Account]
        let total: Int
    }

    struct Account: Decodable, Sendable {
        let id: String
        let mt5_login: Int64
        let mt5_server: String
        let status: String
        let stale: Bool
        let assigned: String?
        let pinned: String?
        let in_flight: Bool
        let last_success_at: Date?
        let last_outcome: String?
        let consecutive_failures: Int
    }

    struct Rebalance: Decodable, Sendable {
        struct Summary: Decodable, Sendable {
            let moves: Int
            let deferred: Int
            let unplaced: Int
            let by_reason: [String: Int]
        }

        struct Move: Decodable, Sendable {
            let account_id: String
            let from: String?
            let to: String
            let reason: String
            let in_flight: Bool
        }

        let applied: Bool
        let mode: String
        let summary: Summary
        let moves: [Move]
    }

    struct SyncRequest: Decodable, Sendable {
        let account_id: String
        let message: String
    }

    struct RunList: Decodable, Sendable {
        let runs: [Run]
    }

    struct Run: Decodable, Sendable {
        let job_id: String
        let host: String
        let slot: Int
        let attempt: Int
        let state: String
        let outcome: String?
        let error_code: Int?
        let error_message: String?
        let enqueued_at: Date
        let queue_wait_ms: Int?
        let duration_ms: Int?
        let login_ms: Int?
    }

    struct AuditList: Decodable, Sendable {
        let entries: [AuditEntry]
    }

    struct AuditEntry: Decodable, Sendable {
        let at: Date
        let actor: String
        let action: String
        let target: String
        let result: String
        let remote_addr: String?
        let before: JSONText?
        let after: JSONText?
    }

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
