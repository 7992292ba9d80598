import Foundation
import Hummingbird
import KlaroCore
import KlaroCrypto
import KlaroPostgres

/// The traders' API (`/api/*`), its Stripe webhook, `/openapi.yaml`, and CORS for them.
///
/// `/api` routes need a Supabase user token (``AuthMiddleware``); every query is scoped to
/// that user. The webhook is authenticated by Stripe's signature instead.
struct APIRoutes: RouteGroup {
    let accounts: AccountRoutes
    let dashboard: DashboardRoutes
    let analytics: AnalyticsRoutes
    let billing: BillingRoutes
    let auth: AuthMiddleware
    let corsOrigins: [String]

    init(configuration: KlaroConfiguration, pool: PostgresPool) {
        let staleness = Staleness(staleAfter: configuration.sync.staleAfter)
        accounts = AccountRoutes(repository: AccountRepository(
            pool: pool, vault: configuration.credentialKeys.map(CredentialVault.init(keyRing:)), staleness: staleness,
            manualSyncInterval: 60))
        dashboard = DashboardRoutes(query: DashboardQuery(pool: pool, staleness: staleness))
        analytics = AnalyticsRoutes(loader: AnalyticsLoader(pool: pool))
        billing = BillingRoutes(repository: BillingRepository(pool: pool), secret: configuration.stripeWebhookSecret)
        auth = AuthMiddleware(
            verifier: JWTVerifier(secret: configuration.jwtSecret), limiter: AuthFailureLimiter(), users: UserDirectory(pool: pool))
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
    }
}
