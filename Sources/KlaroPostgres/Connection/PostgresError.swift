/// What went wrong talking to PostgreSQL. Messages name the server and the failure, never a
/// parameter value or a password.
public enum PostgresError: Error, Sendable, CustomStringConvertible {
    /// A connection could not be opened (`target` is `host:port/dbname`).
    case connectionFailed(target: String, message: String)
    /// An open connection broke while in use; the statement may not have run.
    case connectionLost(target: String, message: String)
    /// The server rejected a statement.
    case server(ServerError)
    /// A value in a result did not have the expected type or form.
    case decoding(column: String, expected: String)
    /// The pool is shutting down or has shut down.
    case poolClosed
    /// A caller misused the API (e.g. a result column that does not exist).
    case usage(String)

    public var description: String {
        switch self {
        case .connectionFailed(let target, let message):
            "PostgreSQL \(target): could not connect: \(message)"
        case .connectionLost(let target, let message):
            "PostgreSQL \(target): connection lost: \(message)"
        case .server(let error):
            error.description
        case .decoding(let column, let expected):
            "PostgreSQL result column \(column): expected \(expected)"
        case .poolClosed:
            "PostgreSQL pool is closed"
        case .usage(let message):
            "PostgreSQL: \(message)"
        }
    }

    /// True when the connection itself failed (retrying on a fresh connection may succeed).
    public var isConnectionError: Bool {
        switch self {
        case .connectionFailed, .connectionLost: true
        default: false
        }
    }

    /// The SQLSTATE code of a server error, such as `23505` for a unique violation.
    public var sqlState: String? {
        if case .server(let error) = self { return error.sqlState }
        return nil
    }
}

/// An error reported by the server, with its SQLSTATE and diagnostic fields.
public struct ServerError: Sendable, CustomStringConvertible {
    public let sqlState: String
    public let severity: String
    public let message: String
    public let detail: String?
    public let hint: String?
    public let constraint: String?
    /// The first line of the statement, to say which one failed (statements never hold data).
    public let statement: String

    public var description: String {
        var text = "PostgreSQL \(severity) \(sqlState): \(message)"
        if let detail { text += " (\(detail))" }
        if let hint { text += " hint: \(hint)" }
        text += " [in: \(statement)]"
        return text
    }
}
