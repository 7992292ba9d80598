import Logging

/// One log entry as the journald handler sees it, after metadata has been merged.
public struct JournalEntry: Sendable {
    /// The log message; may span lines and hold any Unicode.
    public var message: String
    /// The swift-log level, mapped to a syslog priority.
    public var level: Logger.Level
    /// `SYSLOG_IDENTIFIER`, the name `journalctl -t` filters on.
    public var identifier: String
    /// The swift-log label of the logger that emitted the entry (`KLARO_LOGGER`).
    public var loggerLabel: String
    /// Source location of the log call.
    public var file: String
    public var function: String
    public var line: UInt
    /// Handler, provider and call metadata, already merged.
    public var metadata: Logger.Metadata

    public init(
        message: String,
        level: Logger.Level,
        identifier: String,
        loggerLabel: String,
        file: String,
        function: String,
        line: UInt,
        metadata: Logger.Metadata
    ) {
        self.message = message
        self.level = level
        self.identifier = identifier
        self.loggerLabel = loggerLabel
        self.file = file
        self.function = function
        self.line = line
        self.metadata = metadata
    }
}

/// Turns a ``JournalEntry`` into journald fields, each a `KEY=value` byte array.
///
/// This is the whole of the field encoding and has no I/O, so it is tested on its own; the
/// transport (``JournaldLogHandler``) only hands the arrays to `sd_journal_sendv`, which
/// switches to the length-prefixed form itself when a value contains a newline.
public enum JournalFieldEncoder {
    /// journald drops field names longer than this.
    public static let maximumFieldNameLength = 64
    /// Prefix of every field that carries swift-log metadata.
    public static let metadataFieldPrefix = "KLARO_"

    /// Encodes an entry: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, CODE_FILE, CODE_LINE, CODE_FUNC,
    /// KLARO_LOGGER, then one `KLARO_…` field per metadata key (sorted by key).
    public static func encode(_ entry: JournalEntry) -> [[UInt8]] {
        var fields: [[UInt8]] = []
        fields.reserveCapacity(7 + entry.metadata.count)
        fields.append(field("MESSAGE", entry.message))
        fields.append(field("PRIORITY", String(syslogPriority(of: entry.level))))
        fields.append(field("SYSLOG_IDENTIFIER", entry.identifier))
        fields.append(field("CODE_FILE", entry.file))
        fields.append(field("CODE_LINE", String(entry.line)))
        fields.append(field("CODE_FUNC", entry.function))
        fields.append(field("KLARO_LOGGER", entry.loggerLabel))
        for (key, value) in entry.metadata.sorted(by: { $0.key < $1.key }) {
            fields.append(field(fieldName(forMetadataKey: key), LogMetadata.flatten(value)))
        }
        return fields
    }

    /// The syslog priority (0–7) journald stores for a swift-log level.
    public static func syslogPriority(of level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// The journald field name for a metadata key: `KLARO_` + the key upper-cased, every character
    /// outside `[A-Z0-9_]` replaced by `_`, cut to 64 bytes (`account.id` → `KLARO_ACCOUNT_ID`).
    public static func fieldName(forMetadataKey key: String) -> String {
        var name = metadataFieldPrefix
        for character in key {
            guard name.utf8.count < maximumFieldNameLength else { break }
            name.append(journalCharacter(for: character))
        }
        return name
    }

    private static func journalCharacter(for character: Character) -> Character {
        guard character.isASCII, let ascii = character.asciiValue else { return "_" }
        switch ascii {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            return character
        case UInt8(ascii: "a")...UInt8(ascii: "z"):
            return Character(Unicode.Scalar(ascii - 32))
        default:
            return "_"
        }
    }

    private static func field(_ name: String, _ value: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.utf8.count + 1 + value.utf8.count)
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: "="))
        bytes.append(contentsOf: value.utf8)
        return bytes
    }
}
