import Foundation

extension AdminAPI {
    /// `GET /admin/fleet`: every host with its slots.
    public struct Fleet: Codable, Sendable {
        /// Always sent; optional for the CLI's tolerance (no command shows it).
        public let generated_at: Date?
        public let hosts: [Host]

        public init(generated_at: Date?, hosts: [Host]) {
            self.generated_at = generated_at
            self.hosts = hosts
        }
    }

    /// One worker host (`GET /admin/hosts/{host}`, and the answer of every host action).
    public struct Host: Codable, Sendable, Equatable {
        public let host: String
        /// `admin_state`, except `dead` for an admitted host with no live slot.
        public let state: String
        /// `pending`, `active`, `cordoned`, `draining`, `disabled` or `refused`.
        public let admin_state: String
        /// Fingerprint of the key the host presents now (nil when the key is invalid).
        public let key_fingerprint: String?
        /// Fingerprint of the key an operator approved, if any.
        public let approved_key_fingerprint: String?
        /// True when the presented key is the approved one.
        public let key_approved: Bool
        public let version: String
        public let declared_slots: Int?
        public let registered_at: Date?
        public let last_seen_at: Date?
        public let approved_at: Date?
        public let approved_by: String?
        public let live_slots: Int
        /// Active accounts assigned to the host's slots.
        public let accounts: Int
        /// Jobs sent to the host and not finished.
        public let in_flight: Int
        public let syncs_1h: Int
        /// Share of the last hour's finished syncs that were `ok`; nil without syncs.
        public let success_rate_1h: Double?
        public let slots: [Slot]

        public init(
            host: String, state: String, admin_state: String, key_fingerprint: String?, approved_key_fingerprint: String?,
            key_approved: Bool, version: String, declared_slots: Int?, registered_at: Date?, last_seen_at: Date?,
            approved_at: Date?, approved_by: String?, live_slots: Int, accounts: Int, in_flight: Int, syncs_1h: Int,
            success_rate_1h: Double?, slots: [Slot]
        ) {
            self.host = host
            self.state = state
            self.admin_state = admin_state
            self.key_fingerprint = key_fingerprint
            self.approved_key_fingerprint = approved_key_fingerprint
            self.key_approved = key_approved
            self.version = version
            self.declared_slots = declared_slots
            self.registered_at = registered_at
            self.last_seen_at = last_seen_at
            self.approved_at = approved_at
            self.approved_by = approved_by
            self.live_slots = live_slots
            self.accounts = accounts
            self.in_flight = in_flight
            self.syncs_1h = syncs_1h
            self.success_rate_1h = success_rate_1h
            self.slots = slots
        }
    }

    /// One terminal slot of a host.
    public struct Slot: Codable, Sendable, Equatable {
        public let slot: Int
        /// `idle`, `busy` (from heartbeats) or `dead`.
        public let state: String
        /// How placement treats it: `active`, `cordoned`, `draining` or `dead`.
        public let placement: String
        public let weight: Double?
        public let accounts: Int
        /// Bounded-load capacity `ceil((1+ε)·N·w/W)` while the slot takes accounts.
        public let capacity: Int?
        public let in_flight: Int
        public let current_job_id: String?
        public let last_heartbeat_at: Date?
        public let heartbeat_age_seconds: Double?
        public let terminal_build: Int?
        public let terminal_connected: Bool?
        public let restarts: Int?
        /// Always sent; optional for the CLI's tolerance (no command shows it).
        public let syncs_1h: Int?
        public let success_rate_1h: Double?

        public init(
            slot: Int, state: String, placement: String, weight: Double?, accounts: Int, capacity: Int?, in_flight: Int,
            current_job_id: String?, last_heartbeat_at: Date?, heartbeat_age_seconds: Double?, terminal_build: Int?,
            terminal_connected: Bool?, restarts: Int?, syncs_1h: Int?, success_rate_1h: Double?
        ) {
            self.slot = slot
            self.state = state
            self.placement = placement
            self.weight = weight
            self.accounts = accounts
            self.capacity = capacity
            self.in_flight = in_flight
            self.current_job_id = current_job_id
            self.last_heartbeat_at = last_heartbeat_at
            self.heartbeat_age_seconds = heartbeat_age_seconds
            self.terminal_build = terminal_build
            self.terminal_connected = terminal_connected
            self.restarts = restarts
            self.syncs_1h = syncs_1h
            self.success_rate_1h = success_rate_1h
        }
    }
}
