import Prometheus

extension KlaroMetrics {
    /// Names (in base units) and HELP texts of klarod's metrics, in one place. The names are a
    /// contract with dashboards/ and alerts/: add, don't rename.
    enum Descriptors {
        static var syncs: MetricNameDescriptor {
            .init(metricName: "klaro_syncs", unitName: "total", helpText: "Finished account syncs, by outcome and worker host.")
        }
        static var jobsLost: MetricNameDescriptor {
            .init(metricName: "klaro_jobs_lost", unitName: "total", helpText: "Sync jobs declared lost: no result by the deadline plus grace.")
        }
        static var resultsRejected: MetricNameDescriptor {
            .init(metricName: "klaro_results_rejected", unitName: "total", helpText: "Worker results rejected to the dead-letter stream, by reason.")
        }
        static var placementMoves: MetricNameDescriptor {
            .init(metricName: "klaro_placement_moves", unitName: "total", helpText: "Accounts moved to another terminal slot, by reason.")
        }
        static var resultsDuplicate: MetricNameDescriptor {
            .init(metricName: "klaro_results_duplicate", unitName: "total", helpText: "Worker results received again for an already finished job; ignored.")
        }
        static var syncDuration: MetricNameDescriptor {
            .init(metricName: "klaro_sync_duration", unitName: "seconds", helpText: "Duration of a sync on the worker, from start to result, by worker host.")
        }
        static var syncQueueWait: MetricNameDescriptor {
            .init(metricName: "klaro_sync_queue_wait", unitName: "seconds", helpText: "Time a sync job waited in its slot's queue before the worker started it.")
        }
        static var syncLogin: MetricNameDescriptor {
            .init(metricName: "klaro_sync_login", unitName: "seconds", helpText: "Time the MetaTrader 5 login took during a sync.")
        }
        static var schedulerTick: MetricNameDescriptor {
            .init(metricName: "klaro_scheduler_tick", unitName: "seconds", helpText: "Duration of one scheduler tick on the leader.")
        }
        static var ingest: MetricNameDescriptor {
            .init(metricName: "klaro_ingest", unitName: "seconds", helpText: "Time to validate and store one worker result.")
        }
        static var accounts: MetricNameDescriptor {
            .init(metricName: "klaro_accounts", unitName: "", helpText: "MetaTrader 5 accounts, by status.")
        }
        static var accountsStale: MetricNameDescriptor {
            .init(metricName: "klaro_accounts_stale", unitName: "", helpText: "Active accounts whose last successful sync is older than allowed.")
        }
        static var accountOldestSuccessAge: MetricNameDescriptor {
            .init(
                metricName: "klaro_account_oldest_success_age",
                unitName: "seconds",
                helpText: "Age of the oldest last successful sync among active accounts."
            )
        }
        static var slots: MetricNameDescriptor {
            .init(metricName: "klaro_slots", unitName: "", helpText: "Terminal slots, by state.")
        }
        static var jobsInFlight: MetricNameDescriptor {
            .init(metricName: "klaro_jobs_in_flight", unitName: "", helpText: "Sync jobs dispatched and not yet finished.")
        }
        static var schedulerLeader: MetricNameDescriptor {
            .init(metricName: "klaro_scheduler_leader", unitName: "", helpText: "1 if this replica holds the scheduler leadership lock, else 0.")
        }
        static var fleetDemandRatio: MetricNameDescriptor {
            .init(
                metricName: "klaro_fleet_demand",
                unitName: "ratio",
                helpText: "Slot-seconds needed per sync interval divided by slot-seconds available."
            )
        }
        static var dependencyUp: MetricNameDescriptor {
            .init(metricName: "klaro_dependency_up", unitName: "", helpText: "1 if the dependency answered its last health check, else 0.")
        }
        static var hostBusyRatio: MetricNameDescriptor {
            .init(metricName: "klaro_host_busy", unitName: "ratio", helpText: "Busy terminal slots divided by live slots of a worker host.")
        }
        static var buildInfo: MetricNameDescriptor {
            .init(metricName: "klaro_build_info", unitName: "", helpText: "Build of this klarod; the value is always 1.")
        }
    }
}
