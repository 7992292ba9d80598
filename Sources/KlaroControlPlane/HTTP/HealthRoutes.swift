import HTTPTypes
import Hummingbird
import KlaroTelemetry

/// `/healthz` (the process is alive; no dependency checks, so an outage does not get klarod
/// restarted) and `/readyz` (PostgreSQL, Redis and migrations; 503 naming what is down).
struct HealthRoutes: RouteGroup {
    let checker: DependencyChecker

    func register(on router: Router<KlaroRequestContext>) {
        router.get("/healthz") { _, _ in
            JSONResponse(["status": "alive"])
        }
        router.get("/readyz") { _, _ in
            let report = await checker.check()
            return JSONResponse(report, status: report.ready ? .ok : .serviceUnavailable)
        }
    }
}

/// `/metrics` in the Prometheus text format 0.0.4, whatever the scraper's `Accept` says
/// (swift-prometheus writes no OpenMetrics, and every Prometheus reads this format).
struct MetricsRoute: RouteGroup {
    let telemetry: MetricsBootstrap

    func register(on router: Router<KlaroRequestContext>) {
        router.get("/metrics") { _, _ in
            let body = telemetry.scrape()
            return Response(
                status: .ok,
                headers: [.contentType: MetricsBootstrap.contentType],
                body: .init(byteBuffer: ByteBuffer(bytes: body))
            )
        }
    }
}
