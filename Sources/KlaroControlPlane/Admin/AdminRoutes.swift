import Foundation
import HTTPTypes
import Hummingbird
import KlaroAdminAPI
import KlaroCore
import KlaroPostgres
import Logging

/// The operators' API, `/admin/*` (issue 5, docs/fleet.md): JSON, bearer token, and every
/// change written to `admin_audit`. The `klaro` CLI is its client.
///
/// | route | |
/// |---|---|
/// | `GET /admin/status` | one screen: syncs, accounts, queue, slots, hosts, leader, demand |
/// | `GET /admin/fleet` | hosts and slots |
/// | `GET /admin/hosts/{host}` | one host |
/// | `POST /admin/hosts/{host}/{drain,undrain,cordon,uncordon,approve}` | change a host |
/// | `POST /admin/rebalance` | placement plan (`dry_run`) or applied |
/// | `GET /admin/accounts` | `?status=&stale=&host=&limit=` |
/// | `GET /admin/accounts/{id}` | one account |
/// | `POST`/`DELETE /admin/accounts/{id}/pin` | pin to a slot, unpin |
/// | `POST /admin/accounts/{id}/sync` | due now |
/// | `GET /admin/accounts/{id}/runs` | recent sync runs |
/// | `GET /admin/audit` | `?limit=&action=&target=` |
/// | `GET /admin/capacity` | `?target_utilisation=0.8`: slots and hosts needed, now and scaled |
///
/// Other methods on these paths answer 405 with `Allow`, as `/api` paths do.
struct AdminRoutes: RouteGroup {
    let pool: PostgresPool
    let settings: SyncSettings
    let node: String
    let leadership: LeaderElection
    let placer: AccountPlacer
    let overview: FleetOverview
    let hostActions: AdminHostActions
    let accounts: AdminAccounts
    let audit: AdminAuditLog
    let auth: AdminAuthMiddleware

    init(controlPlane: ControlPlane) {
        let logger = Logger(label: "klarod.admin")
        let configuration = controlPlane.configuration
        pool = controlPlane.pool
        settings = configuration.sync
        node = configuration.nodeName
        leadership = controlPlane.leadership
        placer = controlPlane.fleetMonitor.placer
        let monitor = controlPlane.fleetMonitor
        overview = FleetOverview(pool: pool, settings: settings, liveHeartbeats: { monitor.liveHeartbeats() })
        hostActions = AdminHostActions(pool: pool, placer: placer, logger: logger)
        accounts = AdminAccounts(pool: pool, placer: placer, settings: settings, logger: logger)
        audit = AdminAuditLog(pool: pool)
        auth = AdminAuthMiddleware(
            token: configuration.adminToken, audit: audit, limiter: AuthFailureLimiter(perMinute: configuration.authFailureLimit),
            logger: logger
        )
    }

    func register(on router: Router<KlaroRequestContext>) {
        let admin = router.group("/admin").add(middleware: auth)

        admin.get("status") { _, _ in
            JSONResponse(try await AdminStatus.read(pool: pool, settings: settings, node: node, isLeader: leadership.isLeader))
        }
        admin.get("fleet") { _, _ in
            JSONResponse(Fleet(generated_at: Date(), hosts: try await overview.hosts()))
        }
        admin.get("hosts/:host") { request, context in
            JSONResponse(try await host(try AdminParameters(request: request, context: context).host()))
        }
        admin.post("hosts/:host/:action") { request, context in
            let parameters = AdminParameters(request: request, context: context)
            let host = try parameters.host()
            guard let action = context.parameters.get("action").flatMap(HostAction.init(rawValue:)) else {
                throw HTTPProblem.notFound("action \(context.parameters.get("action") ?? "")")
            }
            let body = try await AdminHostActions.Body.read(request, context: context, empty: AdminHostActions.Body())
            try await hostActions.perform(action, host: host, body: body, actor: parameters.actor, remoteAddress: context.clientAddress)
            return JSONResponse(try await self.host(host))
        }
        admin.post("rebalance") { request, context in
            let body = try await AdminRebalance.Body.read(request, context: context, empty: AdminRebalance.Body())
            let dryRun = body.dry_run ?? false
            let run = try await placer.rebalance(mode: body.mode ?? .rebalance, dryRun: dryRun)
            let response = AdminRebalance.response(run)
            if !dryRun {
                try await audit.record(
                    actor: AdminParameters(request: request, context: context).actor, action: "placement.rebalance",
                    target: run.mode.rawValue, remoteAddress: context.clientAddress,
                    after: ["moves": .integer(Int64(response.summary.moves)), "deferred": .integer(Int64(response.summary.deferred)),
                            "unplaced": .integer(Int64(response.summary.unplaced)),
                            "by_reason": .object(response.summary.by_reason.mapValues { .integer(Int64($0)) })]
                )
            }
            return JSONResponse(response)
        }
        registerAccounts(on: admin)
        admin.get("audit") { request, context in
            let parameters = AdminParameters(request: request, context: context)
            let entries = try await audit.recent(
                limit: try parameters.integer("limit", default: 100, in: 1...1000), action: try parameters.text("action"),
                target: try parameters.text("target")
            )
            return JSONResponse(AdminAPI.AuditList(entries: entries))
        }
        admin.get("capacity") { request, context in
            let utilisation = try AdminParameters(request: request, context: context)
                .fraction("target_utilisation", default: SyncPolicy.defaultUtilisation, minimum: CapacityPlan.minimumUtilisation)
            return JSONResponse(try await CapacityQuery.read(pool: pool, policy: settings.policy, targetUtilisation: utilisation))
        }
        // Behind the token like every admin route: a wrong method is 405 only for operators.
        for (path, methods) in Self.allowedMethods {
            MethodNotAllowed.register(on: admin, path: RouterPath(path), allowed: methods)
        }
    }

    /// Every admin path (relative to `/admin`) with its methods; the others answer 405.
    static let allowedMethods: [(String, [HTTPRequest.Method])] = [
        ("status", [.get]),
        ("fleet", [.get]),
        ("hosts/:host", [.get]),
        ("hosts/:host/:action", [.post]),
        ("rebalance", [.post]),
        ("accounts", [.get]),
        ("accounts/:id", [.get]),
        ("accounts/:id/pin", [.post, .delete]),
        ("accounts/:id/sync", [.post]),
        ("accounts/:id/runs", [.get]),
        ("audit", [.get]),
        ("capacity", [.get]),
    ]

    private func registerAccounts(on admin: RouterGroup<KlaroRequestContext>) {
        admin.get("accounts") { request, context in
            let parameters = AdminParameters(request: request, context: context)
            let host = try parameters.text("host")
            if let host, !ProtocolKeys.isValidHostID(host) {
                throw HTTPProblem.invalid([.init(field: "host", message: "is not a host id")])
            }
            let (list, total) = try await accounts.list(
                status: try parameters.choice("status", ["active", "auth_failed", "paused", "disabled"]),
                stale: try parameters.boolean("stale"), host: host,
                limit: try parameters.integer("limit", default: 100, in: 1...10_000)
            )
            return JSONResponse(AccountList(accounts: list, total: total))
        }
        admin.get("accounts/:id") { request, context in
            JSONResponse(try await accounts.view(try AdminParameters(request: request, context: context).accountID()))
        }
        admin.post("accounts/:id/pin") { request, context in
            let parameters = AdminParameters(request: request, context: context)
            let id = try parameters.accountID()
            let body = try await AdminAccounts.PinBody.read(request, context: context)
            return JSONResponse(try await accounts.pin(
                id, to: SlotID(host: body.host, index: body.slot), actor: parameters.actor, remoteAddress: context.clientAddress))
        }
        admin.delete("accounts/:id/pin") { request, context in
            let parameters = AdminParameters(request: request, context: context)
            return JSONResponse(try await accounts.pin(
                try parameters.accountID(), to: nil, actor: parameters.actor, remoteAddress: context.clientAddress))
        }
        admin.post("accounts/:id/sync") { request, context in
            let parameters = AdminParameters(request: request, context: context)
            return JSONResponse(try await accounts.syncNow(
                try parameters.accountID(), actor: parameters.actor, remoteAddress: context.clientAddress), status: .accepted)
        }
        admin.get("accounts/:id/runs") { request, context in
            let parameters = AdminParameters(request: request, context: context)
            let id = try parameters.accountID()
            let runs = try await accounts.runs(id, limit: try parameters.integer("limit", default: 50, in: 1...1000))
            return JSONResponse(RunList(account_id: id.uuidString.lowercased(), runs: runs))
        }
    }

    private func host(_ host: String) async throws -> FleetOverview.Host {
        guard let found = try await overview.hosts(only: host).first else { throw HTTPProblem.notFound("host \(host)") }
        return found
    }

    // MARK: Envelopes

    typealias Fleet = AdminAPI.Fleet
    typealias AccountList = AdminAPI.AccountList
    typealias RunList = AdminAPI.RunList
}
