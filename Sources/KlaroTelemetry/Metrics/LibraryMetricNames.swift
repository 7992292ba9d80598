/// Names and HELP texts for metrics that libraries record through swift-metrics (which has
/// no HELP and no unit conventions), so that `/metrics` passes `promtool check metrics` and
/// every series klarod exposes follows the `klaro_` naming.
enum LibraryMetricNames {
    /// swift-metrics label → exposed name.
    static let renamed: [String: String] = [
        // Hummingbird's MetricsMiddleware.
        "hb.requests": "klaro_http_requests_total",
        "hb.request.errors": "klaro_http_request_errors_total",
        "http.server.request.duration": "klaro_http_request_duration_seconds",
        "http.server.active_requests": "klaro_http_active_requests",
    ]

    static let help: [String: String] = [
        "klaro_http_requests_total": "HTTP requests answered, by route, method and status code.",
        "klaro_http_request_errors_total": "HTTP requests whose handler threw, by route, method and status code.",
        "klaro_http_request_duration_seconds": "Time to answer an HTTP request, by route, method and status code.",
        "klaro_http_active_requests": "HTTP requests being handled now, by method.",
    ]

    static func rename(_ label: String) -> String {
        renamed[label] ?? label
    }
}
