import Foundation

extension AdminAPI {
    /// `GET /admin/capacity?target_utilisation=0.8`: the slots and hosts needed to meet every
    /// class's target interval, from measured sync times, now and at 2×, 5× and 10× the accounts.
    public struct Capacity: Codable, Sendable, Equatable {
        /// Active accounts of one class.
        public struct SyncClassLoad: Codable, Sendable, Equatable {
            /// `moving`, `quiet` or `dormant`.
            public let sync_class: String
            public let accounts: Int
            /// Mean login + fetch time of recent successful syncs.
            public let mean_sync_seconds: Double
            public let target_interval_seconds: Double

            public init(sync_class: String, accounts: Int, mean_sync_seconds: Double, target_interval_seconds: Double) {
                self.sync_class = sync_class
                self.accounts = accounts
                self.mean_sync_seconds = mean_sync_seconds
                self.target_interval_seconds = target_interval_seconds
            }
        }

        /// What one scale of today's accounts needs.
        public struct Scale: Codable, Sendable, Equatable {
            /// Times today's accounts: 1, 2, 5, 10.
            public let scale: Int
            public let accounts: Int
            /// Busy slots at the targets.
            public let demand_slots: Double
            public let slots_needed: Int
            public let hosts_needed: Int

            public init(scale: Int, accounts: Int, demand_slots: Double, slots_needed: Int, hosts_needed: Int) {
                self.scale = scale
                self.accounts = accounts
                self.demand_slots = demand_slots
                self.slots_needed = slots_needed
                self.hosts_needed = hosts_needed
            }
        }

        public let generated_at: Date
        public let target_utilisation: Double
        public let slots_per_host: Int
        /// Slots able to take jobs now (idle or busy).
        public let live_slots: Int
        public let classes: [SyncClassLoad]
        public let scales: [Scale]

        public init(
            generated_at: Date, target_utilisation: Double, slots_per_host: Int, live_slots: Int,
            classes: [SyncClassLoad], scales: [Scale]
        ) {
            self.generated_at = generated_at
            self.target_utilisation = target_utilisation
            self.slots_per_host = slots_per_host
            self.live_slots = live_slots
            self.classes = classes
            self.scales = scales
        }
    }
}
