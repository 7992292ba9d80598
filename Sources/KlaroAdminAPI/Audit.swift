import Foundation

extension AdminAPI {
    /// One admin audit entry. `JSON` is how the `before`/`after` values are held: klarod
    /// encodes its own JSON value type, the CLI decodes them into table text. `id` is always
    /// sent; optional for the CLI's tolerance.
    public struct AuditEntry<JSON: Sendable>: Sendable {
        public let id: Int64?
        public let at: Date
        public let actor: String
        public let action: String
        public let target: String
        /// `ok`, `denied` or `failed`.
        public let result: String
        public let remote_addr: String?
        public let before: JSON?
        public let after: JSON?

        public init(
            id: Int64?, at: Date, actor: String, action: String, target: String, result: String,
            remote_addr: String?, before: JSON?, after: JSON?
        ) {
            self.id = id
            self.at = at
            self.actor = actor
            self.action = action
            self.target = target
            self.result = result
            self.remote_addr = remote_addr
            self.before = before
            self.after = after
        }
    }

    /// `GET /admin/audit`, newest first.
    public struct AuditList<JSON: Sendable>: Sendable {
        public let entries: [AuditEntry<JSON>]

        public init(entries: [AuditEntry<JSON>]) {
            self.entries = entries
        }
    }
}

extension AdminAPI.AuditEntry: Encodable where JSON: Encodable {}
extension AdminAPI.AuditEntry: Decodable where JSON: Decodable {}
extension AdminAPI.AuditEntry: Equatable where JSON: Equatable {}
extension AdminAPI.AuditList: Encodable where JSON: Encodable {}
extension AdminAPI.AuditList: Decodable where JSON: Decodable {}
