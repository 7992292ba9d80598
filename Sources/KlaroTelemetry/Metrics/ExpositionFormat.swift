/// The text formats `/metrics` can answer in.
public enum ExpositionFormat: Sendable, Equatable, CaseIterable {
    /// Prometheus text format 0.0.4, the default.
    case prometheusText
    /// OpenMetrics 1.0.0, only for clients that ask for it.
    case openMetrics

    /// The `Content-Type` of a response in this format.
    public var contentType: String {
        switch self {
        case .prometheusText: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// Picks the format for an `Accept` header, honouring q-values.
    ///
    /// OpenMetrics is chosen only when the client lists `application/openmetrics-text` (version
    /// 1.0.0, 0.0.1 or none) with a q-value above that of every range that admits the Prometheus
    /// text format (`text/plain`, `text/*`, `*/*`); on a tie, an explicit `text/plain` wins over
    /// OpenMetrics and OpenMetrics wins over a wildcard. Anything else, including a missing or
    /// unparsable header, gets the Prometheus text format.
    public static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept else { return .prometheusText }
        var openMetricsQuality = 0.0
        // (q, specificity): 2 for text/plain, 1 for text/*, 0 for */*.
        var textPreference: (quality: Double, specificity: Int) = (0, -1)

        for range in accept.split(separator: ",") {
            guard let mediaRange = MediaRange(range) else { continue }
            switch (mediaRange.type, mediaRange.subtype) {
            case ("application", "openmetrics-text"):
                let version = mediaRange.parameters["version"]
                if version == nil || version == "1.0.0" || version == "0.0.1" {
                    openMetricsQuality = max(openMetricsQuality, mediaRange.quality)
                }
            case ("text", "plain"):
                textPreference = better(textPreference, (mediaRange.quality, 2))
            case ("text", "*"):
                textPreference = better(textPreference, (mediaRange.quality, 1))
            case ("*", "*"):
                textPreference = better(textPreference, (mediaRange.quality, 0))
            default:
                continue
            }
        }
        guard openMetricsQuality > 0 else { return .prometheusText }
        if openMetricsQuality > textPreference.quality { return .openMetrics }
        if openMetricsQuality == textPreference.quality && textPreference.specificity < 2 { return .openMetrics }
        return .prometheusText
    }

    private static func better(
        _ current: (quality: Double, specificity: Int),
        _ candidate: (quality: Double, specificity: Int)
    ) -> (quality: Double, specificity: Int) {
        guard candidate.quality > 0 else { return current }
        if candidate.quality > current.quality { return candidate }
        if candidate.quality == current.quality && candidate.specificity > current.specificity { return candidate }
        return current
    }
}

/// One media range of an `Accept` header: `type/subtype;param=value;q=0.5`.
private struct MediaRange {
    var type: Substring
    var subtype: Substring
    var parameters: [String: String] = [:]
    var quality = 1.0

    init?(_ text: Substring) {
        let pieces = text.split(separator: ";").map { $0.trimmingSpaces() }
        guard let mediaType = pieces.first else { return nil }
        let typeParts = mediaType.lowercased().split(separator: "/")
        guard typeParts.count == 2 else { return nil }
        type = typeParts[0]
        subtype = typeParts[1]
        for parameter in pieces.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let name = pair[0].trimmingSpaces().lowercased()
            var value = pair[1].trimmingSpaces()
            if value.count >= 2, value.first == "\"", value.last == "\"" {
                value = value.dropFirst().dropLast()
            }
            if name == "q" {
                // An unparsable or out-of-range q makes the range unacceptable rather than preferred.
                guard let quality = Double(value), quality >= 0, quality <= 1 else { return nil }
                self.quality = quality
            } else {
                parameters[name] = String(value)
            }
        }
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
