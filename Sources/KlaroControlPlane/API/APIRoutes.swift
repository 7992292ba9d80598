import Foundation
import HTTPTypes
import Hummingbird
import KlaroCore
import KlaroCrypto
import KlaroPostgres

/// The traders' API (`/api/*`), its Stripe webhook, `/openapi.yaml`, and CORS for them.
///
/// `/api` routes need a user's access token, built-in or Supabase's (``AuthMiddleware``); every query is scoped to
/// that user. The webhook is authenticated by Stripe's signature instead.
struct APIRoutes: RouteGroup {
    let accounts: AccountRoutes
    let dashboard: DashboardRoutes
    let analytics: AnalyticsRoutes
    let billing: BillingRoutes
    let events: EventRoutes
    let trades: TradeListRoutes
    let auth: AuthMiddleware
    let corsOrigins: [String]

    init(configuration: KlaroConfiguration, pool: PostgresPool, identity: Identity, events: AccountEventHub) {
        let staleness = Staleness(staleAfter: configuration.sync.staleAfter)
        accounts = AccountRoutes(repository: AccountRepository(
            pool: pool, vault: configuration.credentialKeys.map(CredentialVault.init(keyRing:)),
            rules: AccountView.Rules(staleness: staleness, policy: configuration.sync.policy),
            manualSyncInterval: 60))
        dashboard = DashboardRoutes(query: DashboardQuery(pool: pool, staleness: staleness))
        analytics = AnalyticsRoutes(loader: AnalyticsLoader(pool: pool))
        self.events = EventRoutes(hub: events, pool: pool)
        trades = TradeListRoutes(pool: pool)
        billing = BillingRoutes(repository: BillingRepository(pool: pool), secret: configuration.stripeWebhookSecret)
        auth = AuthMiddleware(verifier: identity.verifier, limiter: identity.failureLimiter, users: identity.users)
        corsOrigins = configuration.corsOrigins
    }

    func register(on router: Router<KlaroRequestContext>) {
        // Router middleware applies to routes added after it, and to unmatched requests
        // (which is where preflights land).
        router.add(middleware: CORSPolicyMiddleware(origins: corsOrigins))
        OpenAPIRoute().register(on: router)
        billing.register(on: router)
        let api = router.group("/api").add(middleware: auth)
        accounts.register(on: api)
        dashboard.register(on: api)
        analytics.register(on: api)
        events.register(on: api)
        trades.register(on: api)
        for (path, methods) in Self.allowedMethods {
            MethodNotAllowed.register(on: router, path: RouterPath(path), allowed: methods)
        }
    }

    /// Every path klarod serves outside `/admin`, with its methods (405 for the others).
    static let allowedMethods: [(String, [HTTPRequest.Method])] = [
        ("/api/accounts", [.get, .post]),
        ("/api/accounts/:id", [.get, .patch, .delete]),
        ("/api/accounts/:id/sync", [.post]),
        ("/api/dashboard/summary", [.get]),
        ("/api/analytics/report", [.get]),
        ("/api/analytics/trades", [.get]),
        ("/api/analytics/breakdown", [.get]),
        ("/api/analytics/daily", [.get]),
        ("/api/analytics/drawdown", [.get]),
        ("/api/events", [.get]),
        ("/api/trades", [.get]),
        ("/api/billing/stripe-webhook", [.post]),
        ("/auth/v1/signup", [.post]),
        ("/auth/v1/token", [.post]),
        ("/auth/v1/logout", [.post]),
        ("/auth/v1/user", [.get, .put]),
        ("/openapi.yaml", [.get]),
        ("/healthz", [.get]),
        ("/readyz", [.get]),
        ("/metrics", [.get]),
    ]
}
