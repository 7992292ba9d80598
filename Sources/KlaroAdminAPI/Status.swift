import Foundation

extension AdminAPI {
    /// `GET /admin/status`: the one screen of `klaro status`.
    public struct Status: Codable, Sendable {
        public struct Leader: Codable, Sendable {
            /// True when some replica holds the scheduler lock.
            public let present: Bool
            /// True when the replica that answered is the leader.
            public let this_node: Bool
            /// The answering replica's `KLARO_NODE_NAME`.
            public let node: String
            /// The leader's database client address and session start, when visible.
            public let client_addr: String?
            public let since: Date?

            public init(present: Bool, this_node: Bool, node: String, client_addr: String?, since: Date?) {
                self.present = present
                self.this_node = this_node
                self.node = node
                self.client_addr = client_addr
                self.since = since
            }
        }

        public struct Syncs: Codable, Sendable {
            public let total: Int
            public let ok: Int
            /// ok ÷ total over the last hour; nil without syncs.
            public let success_rate: Double?
            public let by_outcome: [String: Int]

            public init(total: Int, ok: Int, success_rate: Double?, by_outcome: [String: Int]) {
                self.total = total
                self.ok = ok
                self.success_rate = success_rate
                self.by_outcome = by_outcome
            }
        }

        public struct Accounts: Codable, Sendable {
            public let by_status: [String: Int]
            /// Always sent; optional for the CLI's tolerance (no command shows it).
            public let active: Int?
            public let stale: Int
            public let unplaced: Int
            /// Of the active accounts that ever succeeded; absent when none has.
            public let oldest_success_age_seconds: Double?
            /// Active accounts that never synced successfully (always sent by this klarod;
            /// optional so that the CLI still reads a klarod from before it).
            public let never_synced: Int?

            public init(
                by_status: [String: Int], active: Int?, stale: Int, unplaced: Int, oldest_success_age_seconds: Double?, never_synced: Int?
            ) {
                self.by_status = by_status
                self.active = active
                self.stale = stale
                self.unplaced = unplaced
                self.oldest_success_age_seconds = oldest_success_age_seconds
                self.never_synced = never_synced
            }
        }

        public struct Queue: Codable, Sendable {
            /// Active accounts due now and waiting for dispatch.
            public let due: Int
            /// Jobs dispatched and not finished.
            public let in_flight: Int

            public init(due: Int, in_flight: Int) {
                self.due = due
                self.in_flight = in_flight
            }
        }

        public let generated_at: Date
        public let leader: Leader
        public let syncs_1h: Syncs
        public let accounts: Accounts
        public let queue: Queue
        /// Slots by state: `idle`, `busy`, `dead`, `draining`, `cordoned`, `pending`.
        public let slots: [String: Int]
        /// Hosts by state (`dead` for admitted hosts without a live slot).
        public let hosts: [String: Int]
        /// Needed slot-seconds per interval ÷ available (above 1: the fleet cannot keep up).
        public let demand_ratio: Double

        public init(
            generated_at: Date, leader: Leader, syncs_1h: Syncs, accounts: Accounts, queue: Queue,
            slots: [String: Int], hosts: [String: Int], demand_ratio: Double
        ) {
            self.generated_at = generated_at
            self.leader = leader
            self.syncs_1h = syncs_1h
            self.accounts = accounts
            self.queue = queue
            self.slots = slots
            self.hosts = hosts
            self.demand_ratio = demand_ratio
        }
    }
}
