import Logging

/// Metadata handling shared by the journald and logfmt handlers: merging the three sources
/// in swift-log's precedence order and flattening nested values to plain strings.
enum LogMetadata {
    /// Merges handler (logger) metadata, metadata-provider output and per-call metadata.
    ///
    /// Later sources win on key conflicts, as in swift-log's own `StreamLogHandler`:
    /// a value given at the call site overrides one set on the logger.
    static func merged(
        handler: Logger.Metadata,
        provider: Logger.MetadataProvider?,
        call: Logger.Metadata?,
        error: (any Error)?
    ) -> Logger.Metadata {
        var result = handler
        if let provided = provider?.get(), !provided.isEmpty {
            result.merge(provided) { _, new in new }
        }
        if let call, !call.isEmpty {
            result.merge(call) { _, new in new }
        }
        // An error passed to `logger.error(_:error:)` is kept unless the caller already set "error".
        if let error, result["error"] == nil {
            result["error"] = .string(String(describing: error))
        }
        return result
    }

    /// Renders a metadata value as one string; dictionaries are printed with sorted keys so that
    /// the same metadata always produces the same text.
    static func flatten(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let string):
            return string
        case .stringConvertible(let convertible):
            return convertible.description
        case .array(let values):
            return "[" + values.map(flatten).joined(separator: ", ") + "]"
        case .dictionary(let dictionary):
            let entries = dictionary.sorted { $0.key < $1.key }.map { "\($0.key): \(flatten($0.value))" }
            return "{" + entries.joined(separator: ", ") + "}"
        }
    }
}
