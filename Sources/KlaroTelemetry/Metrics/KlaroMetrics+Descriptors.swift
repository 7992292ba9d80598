import Prometheus

extension KlaroMetrics {
    /// Names (in base units) and HELP texts of klarod's metrics, in one place. The names are a
    /// contract with dashboards/ and alerts/: add, don't rename.
    enum Descriptors {
        static var syncs: MetricNameDescriptor {
            make("klaro_syncs", "total", "Finished account syncs of the whole fleet, by outcome.")
        }
        static var hostSyncs: MetricNameDescriptor {
            make("klaro_host_syncs", "total", "Finished account syncs by worker host and result (ok, failed, lost).")
        }
        static var jobsLost: MetricNameDescriptor {
            make("klaro_jobs_lost", "total", "Sync jobs declared lost: no result by the deadline plus grace.")
        }
        static var dispatchSteals: MetricNameDescriptor {
            make("klaro_dispatch_steals", "total", "Sync jobs an idle slot took from a busy slot, of its host or another (work stealing).")
        }
        static var dispatchStealsAcrossHosts: MetricNameDescriptor {
            make("klaro_dispatch_steals_across_hosts", "total",
                 "Of klaro_dispatch_steals_total, jobs a slot took from a slot of another host (work stealing's second tier).")
        }
        static var resultsRejected: MetricNameDescriptor {
            make("klaro_results_rejected", "total", "Worker results rejected to the dead-letter stream, by reason.")
        }
        static var placementMoves: MetricNameDescriptor {
            make("klaro_placement_moves", "total", "Accounts moved to another terminal slot, by reason.")
        }
        static var resultsDuplicate: MetricNameDescriptor {
            make("klaro_results_duplicate", "total", "Worker results received again for an already finished job; ignored.")
        }
        static var syncDuration: MetricNameDescriptor {
            make("klaro_sync_duration", "seconds", "Duration of a sync on the worker, from start to result, all hosts.")
        }
        static var syncsSlow: MetricNameDescriptor {
            make("klaro_syncs_slow", "total", "Syncs that took longer than 30 s on the worker, by worker host.")
        }
        static var syncQueueWait: MetricNameDescriptor {
            make("klaro_sync_queue_wait", "seconds", "Time a sync job waited in its slot's queue before the worker started it.")
        }
        static var syncLogin: MetricNameDescriptor {
            make("klaro_sync_login", "seconds", "Time the MetaTrader 5 login took during a sync.")
        }
        static var schedulerTick: MetricNameDescriptor {
            make("klaro_scheduler_tick", "seconds", "Duration of one scheduler tick on the leader.")
        }
        static var ingest: MetricNameDescriptor {
            make("klaro_ingest", "seconds", "Time to validate and store one worker result.")
        }
        static var accounts: MetricNameDescriptor {
            make("klaro_accounts", "", "MetaTrader 5 accounts, by status.")
        }
        static var accountsStale: MetricNameDescriptor {
            make("klaro_accounts_stale", "", "Active accounts whose last successful sync is older than allowed.")
        }
        static var accountOldestSuccessAge: MetricNameDescriptor {
            make("klaro_account_oldest_success_age", "seconds", "Age of the oldest last successful sync among active accounts.")
        }
        static var hosts: MetricNameDescriptor {
            make("klaro_hosts", "", "Worker hosts, by state (refused: presented a public key nobody approved).")
        }
        static var slots: MetricNameDescriptor {
            make("klaro_slots", "", "Terminal slots, by state.")
        }
        static var jobsInFlight: MetricNameDescriptor {
            make("klaro_jobs_in_flight", "", "Sync jobs dispatched and not yet finished.")
        }
        static var schedulerLeader: MetricNameDescriptor {
            make("klaro_scheduler_leader", "", "1 if this replica holds the scheduler leadership lock, else 0.")
        }
        static var fleetDemandRatio: MetricNameDescriptor {
            make("klaro_fleet_demand", "ratio", "Slot-seconds needed per sync interval divided by slot-seconds available.")
        }
        static var dependencyUp: MetricNameDescriptor {
            make("klaro_dependency_up", "", "1 if the dependency answered its last health check, else 0.")
        }
        static var hostBusyRatio: MetricNameDescriptor {
            make("klaro_host_busy", "ratio", "Busy terminal slots divided by live slots of a worker host.")
        }
        static var buildInfo: MetricNameDescriptor {
            make("klaro_build_info", "", "Build of this klarod; the value is always 1.")
        }

        static var syncTargetInterval: MetricNameDescriptor {
            make("klaro_sync_target_interval", "seconds", "Target interval between syncs of an account, by sync class.")
        }
        static var syncInterval: MetricNameDescriptor {
            make("klaro_sync_interval", "seconds", "Effective interval between syncs (target × stretch), by sync class.")
        }
        static var syncStretch: MetricNameDescriptor {
            make("klaro_sync_stretch_factor", "", "Effective interval ÷ target interval, by sync class (1: on target).")
        }
        static var syncAchievedInterval: MetricNameDescriptor {
            make("klaro_sync_achieved_interval", "seconds", "Time between an account's successive successful syncs, by sync class.")
        }
        static var syncStaleness: MetricNameDescriptor {
            make("klaro_sync_staleness", "seconds", "Age of active accounts' last success, by sync class, at percentiles 50 and 95.")
        }
        static var capacitySlotsNeeded: MetricNameDescriptor {
            make("klaro_capacity_slots_needed", "", "Terminal slots needed to meet every class's target, at 1x, 2x, 5x, 10x the accounts.")
        }
        static var capacityHostsNeeded: MetricNameDescriptor {
            make("klaro_capacity_hosts_needed", "", "Worker hosts (4 slots) needed to meet every class's target, by account scale.")
        }
        private static func make(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(metricName: name, unitName: unit, helpText: help)
        }
    }
}
