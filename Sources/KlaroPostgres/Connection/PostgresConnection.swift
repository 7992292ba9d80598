import CLibPQ
import Foundation
import Synchronization

/// One libpq connection. Every call blocks its thread, so the pool runs them on its own
/// threads, never on Swift's cooperative pool.
///
/// Only KlaroPostgres opens and closes connections (``PostgresPool``, ``AdvisoryLockSession``):
/// everyone else gets one inside a pool's closure, for the closure's duration. The raw
/// `PGconn` pointer lives only here, behind a mutex.
public final class PostgresConnection: @unchecked Sendable {
    /// Touched only under `state`'s lock; the pointer is what makes it non-Sendable.
    struct State: @unchecked Sendable {
        var handle: OpaquePointer?
        /// SQL text → prepared statement name, valid for the current server session.
        var prepared: [String: String] = [:]
        /// Set once a statement sent parameters of ``PostgresConnection/recycleAfterBytes`` or more.
        var sentLargeMessage = false
    }

    /// Parameter bytes from which the pool closes the connection after use (issue 16). libpq
    /// keeps its send buffer at the size of the largest message it sent, for the connection's
    /// life: 2,000 lost jobs ended in one statement left 1 MB (600 KB resident) in klarod.
    public static let recycleAfterBytes = 256 * 1024

    /// True once this connection sent a message of ``recycleAfterBytes`` or more: its buffers
    /// stay that large until it is closed, so the pool replaces it.
    var needsRecycling: Bool { state.withLock { $0.sentLargeMessage } }

    /// Internal (not private) for the LISTEN/NOTIFY extension in its own file.
    let state: Mutex<State>
    /// `host:port/dbname`, for messages (never the password).
    public let target: String

    private init(handle: OpaquePointer, target: String) {
        self.state = Mutex(State(handle: handle))
        self.target = target
    }

    deinit {
        state.withLock { state in
            if let handle = state.handle { PQfinish(handle) }
            state.handle = nil
        }
    }

    /// Opens a connection (blocking).
    /// - Parameters:
    ///   - url: a libpq connection URL or keyword string.
    ///   - applicationName: shown in `pg_stat_activity`.
    ///   - connectTimeout: seconds before giving up on an unreachable server.
    ///   - statementTimeout: seconds any one statement may run (0 for no limit).
    static func connect(
        url: String, applicationName: String, connectTimeout: Int, statementTimeout: Int
    ) throws(PostgresError) -> PostgresConnection {
        let keywords = ["dbname", "application_name", "connect_timeout", "keepalives", "keepalives_idle"]
        let values = [url, applicationName, String(connectTimeout), "1", "30"]
        let handle = withArrayOfCStrings(keywords) { keys in
            withArrayOfCStrings(values) { vals in PQconnectdbParams(keys, vals, 1) }
        }
        guard let handle else { throw .connectionFailed(target: "?", message: "out of memory") }
        // libpq prints server notices (and the FATAL a server sends when it shuts down) to
        // stderr by default; errors reach callers as values instead.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        let target = Self.describeTarget(handle)
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.lastMessage(handle)
            PQfinish(handle)
            throw .connectionFailed(target: target, message: message)
        }
        let setup = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET statement_timeout = '\(statementTimeout)s'"
        let connection = PostgresConnection(handle: handle, target: target)
        try connection.simpleQuery(setup)
        return connection
    }

    // MARK: Statements

    /// Runs one statement with parameters, as a prepared statement cached on this connection.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresBindable] = []) throws(PostgresError) -> PostgresRows {
        let values = parameters.map { $0.postgresValue.text }
        do {
            return try execPrepared(sql, values)
        } catch let error where error.sqlState == "0A000" {
            // "cached plan must not change result type": the schema changed under a prepared
            // statement (a migration ran); prepare it again once.
            state.withLock { $0.prepared[sql] = nil }
            return try execPrepared(sql, values)
        }
    }

    /// Runs one statement and returns how many rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [any PostgresBindable] = []) throws(PostgresError) -> Int {
        try query(sql, parameters).affectedRows ?? 0
    }

    /// Rows fetched at a time by ``forEachBatch(_:_:batch:_:)``.
    public static let defaultBatch = 5_000

    /// Runs a query through a cursor and hands its rows to `body` `batch` at a time; inside
    /// the caller's transaction (PostgreSQL refuses a cursor outside one). libpq holds a whole result in memory, in blocks the allocator
    /// keeps as its high-water mark: 100,000 rows at once grew klarod's heap by ~20 MB, of which
    /// a few stayed resident (issue 16). One cursor at a time per connection.
    public func forEachBatch(
        _ sql: String, _ parameters: [any PostgresBindable] = [], batch: Int = defaultBatch, _ body: (PostgresRows) throws -> Void
    ) throws {
        try query("DECLARE klaro_batch NO SCROLL CURSOR FOR " + sql, parameters)
        while true {
            let rows = try query("FETCH \(max(1, batch)) FROM klaro_batch")
            if rows.isEmpty { break }
            try body(rows)
        }
        try simpleQuery("CLOSE klaro_batch")
    }

    /// Runs SQL text that may hold several statements and no parameters (migrations, setup).
    public func simpleQuery(_ sql: String) throws(PostgresError) {
        try state.withLock { state throws(PostgresError) in
            guard let handle = state.handle else { throw .connectionLost(target: target, message: "closed") }
            let result = PQexec(handle, sql)
            _ = try Self.check(result, handle: handle, target: target, sql: sql)
            // PQexec returns only the last result; earlier ones are reported through it.
        }
    }

    private func execPrepared(_ sql: String, _ values: [String?]) throws(PostgresError) -> PostgresRows {
        try state.withLock { state throws(PostgresError) in
            guard let handle = state.handle else { throw .connectionLost(target: target, message: "closed") }
            let name: String
            if let existing = state.prepared[sql] {
                name = existing
            } else {
                name = "k\(state.prepared.count + 1)"
                let prepared = PQprepare(handle, name, sql, Int32(values.count), nil)
                _ = try Self.check(prepared, handle: handle, target: target, sql: sql)
                state.prepared[sql] = name
            }
            if values.reduce(0, { $0 + ($1?.utf8.count ?? 0) }) >= Self.recycleAfterBytes { state.sentLargeMessage = true }
            let result = withArrayOfOptionalCStrings(values) { pointers in
                PQexecPrepared(handle, name, Int32(values.count), pointers, nil, nil, 0)
            }
            return try Self.check(result, handle: handle, target: target, sql: sql)
        }
    }

    // MARK: Health

    /// A non-blocking check: false when the server has closed the connection (for example it
    /// restarted), which shows as a readable socket whose input ends the session.
    func isHealthy() -> Bool {
        state.withLock { state in
            guard let handle = state.handle, PQstatus(handle) == CONNECTION_OK else { return false }
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 0)
            if ready < 0 { return false }
            if ready > 0 {
                if PQconsumeInput(handle) == 0 { return false }
                while let notice = PQnotifies(handle) { PQfreemem(notice) }
            }
            return PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE
        }
    }

    /// True when the last statement left an open or failed transaction block.
    var isInTransaction: Bool {
        state.withLock { state in
            guard let handle = state.handle else { return false }
            let status = PQtransactionStatus(handle)
            return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
        }
    }

    /// Closes the connection; later statements fail with ``PostgresError/connectionLost(target:message:)``.
    func close() {
        state.withLock { state in
            if let handle = state.handle { PQfinish(handle) }
            state.handle = nil
            state.prepared = [:]
        }
    }

    // MARK: libpq helpers

    private static func check(
        _ result: OpaquePointer?, handle: OpaquePointer, target: String, sql: String
    ) throws(PostgresError) -> PostgresRows {
        guard let result else {
            throw .connectionLost(target: target, message: lastMessage(handle))
        }
        let status = PQresultStatus(result)
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY {
            return PostgresRows(result: result)
        }
        defer { PQclear(result) }
        if PQstatus(handle) != CONNECTION_OK {
            throw .connectionLost(target: target, message: lastMessage(handle))
        }
        func field(_ code: Character) -> String? {
            guard let pointer = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: pointer)
        }
        let message = field("M") ?? lastMessage(handle)
        throw .server(ServerError(
            sqlState: field("C") ?? "XX000",
            severity: field("V") ?? "ERROR",
            message: message,
            detail: field("D"),
            hint: field("H"),
            constraint: field("n"),
            statement: Self.summary(of: sql)
        ))
    }

    static func summary(of sql: String) -> String {
        let line = sql.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .first { !$0.isEmpty } ?? ""
        return line.count > 120 ? String(line.prefix(120)) + "…" : line
    }

    static func lastMessage(_ handle: OpaquePointer) -> String {
        guard let pointer = PQerrorMessage(handle) else { return "unknown error" }
        return String(cString: pointer).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func describeTarget(_ handle: OpaquePointer) -> String {
        func text(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
            pointer.map { String(cString: $0) } ?? "?"
        }
        return "\(text(PQhost(handle))):\(text(PQport(handle)))/\(text(PQdb(handle)))"
    }
}

/// Calls `body` with a C array of C strings that live for the duration of the call.
func withArrayOfCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    withArrayOfOptionalCStrings(strings.map { Optional($0) }) { pointers in
        body(pointers + [nil])
    }
}

func withArrayOfOptionalCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } }
    defer { pointers.forEach { free($0) } }
    return body(pointers.map { $0.map { UnsafePointer($0) } })
}
