/// Errors of the telemetry module, worded for the operator who has to fix them.
public enum TelemetryError: Error, Equatable, CustomStringConvertible {
    /// `KLARO_LOG` holds something other than `journald`, `stderr` or `auto`.
    case invalidLogDestination(String)

    public var description: String {
        switch self {
        case .invalidLogDestination(let value):
            "KLARO_LOG: '\(value)' is not a log destination; use journald, stderr or auto"
        }
    }
}
