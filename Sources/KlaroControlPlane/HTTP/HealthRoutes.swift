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

/// `/metrics` in Prometheus text 0.0.4, or OpenMetrics when the scraper asks for it.
struct MetricsRoute: RouteGroup {
    let telemetry: MetricsBootstrap

    func register(on router: Router<KlaroRequestContext>) {
        router.get("/metrics") { request, _ in
            let format = ExpositionFormat.negotiate(accept: request.headers[.accept])
            let body = telemetry.scrape(format: format)
            return Response(
                status: .ok,
                headers: [.contentType: format.contentType],
                body: .init(byteBuffer: ByteBuffer(bytes: body))
            )
        }
    }
}
