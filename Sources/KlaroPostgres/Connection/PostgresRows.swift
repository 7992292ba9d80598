import CLibPQ
import Foundation

/// The rows of a query, read in text format.
///
/// Owns the libpq result; it is immutable once made, so it can be shared across tasks.
public final class PostgresRows: @unchecked Sendable, RandomAccessCollection {
    private let result: OpaquePointer?
    public let count: Int
    public let columnCount: Int
    /// Rows changed by an INSERT/UPDATE/DELETE, or nil for other statements.
    public let affectedRows: Int?

    init(result: OpaquePointer?) {
        self.result = result
        count = result.map { Int(PQntuples($0)) } ?? 0
        columnCount = result.map { Int(PQnfields($0)) } ?? 0
        let tuples = result.flatMap { String(cString: PQcmdTuples($0)) } ?? ""
        affectedRows = Int(tuples)
    }

    deinit {
        if let result { PQclear(result) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> PostgresRow {
        PostgresRow(rows: self, index: Int32(position))
    }

    public func columnName(_ index: Int) -> String {
        guard let result, index < columnCount else { return "#\(index)" }
        return String(cString: PQfname(result, Int32(index)))
    }

    func isNull(row: Int32, column: Int) -> Bool {
        guard let result else { return true }
        return PQgetisnull(result, row, Int32(column)) == 1
    }

    func withBytes<T>(row: Int32, column: Int, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T? {
        guard let result, column < columnCount, PQgetisnull(result, row, Int32(column)) == 0,
              let pointer = PQgetvalue(result, row, Int32(column))
        else { return nil }
        let length = Int(PQgetlength(result, row, Int32(column)))
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            body(UnsafeBufferPointer(start: $0, count: length))
        }
    }
}

/// One row of a result. Column accessors throw a typed error when a value is not of the
/// asked type; the `…OrNil` forms return nil for SQL NULL.
public struct PostgresRow: Sendable {
    let rows: PostgresRows
    let index: Int32

    public func isNull(_ column: Int) -> Bool {
        rows.isNull(row: index, column: column)
    }

    public func stringOrNil(_ column: Int) -> String? {
        rows.withBytes(row: index, column: column) { String(decoding: $0, as: UTF8.self) }
    }

    public func string(_ column: Int) throws(PostgresError) -> String {
        guard let value = stringOrNil(column) else { throw notNull(column, "text") }
        return value
    }

    public func intOrNil(_ column: Int) throws(PostgresError) -> Int? {
        guard let parsed = rows.withBytes(row: index, column: column, { Self.parseInt($0) }) else { return nil }
        guard let value = parsed else { throw .decoding(column: rows.columnName(column), expected: "integer") }
        return value
    }

    public func int(_ column: Int) throws(PostgresError) -> Int {
        guard let value = try intOrNil(column) else { throw notNull(column, "integer") }
        return value
    }

    public func int64(_ column: Int) throws(PostgresError) -> Int64 {
        Int64(try int(column))
    }

    public func doubleOrNil(_ column: Int) throws(PostgresError) -> Double? {
        guard let text = stringOrNil(column) else { return nil }
        guard let value = Double(text) else { throw .decoding(column: rows.columnName(column), expected: "number") }
        return value
    }

    public func double(_ column: Int) throws(PostgresError) -> Double {
        guard let value = try doubleOrNil(column) else { throw notNull(column, "number") }
        return value
    }

    public func boolOrNil(_ column: Int) throws(PostgresError) -> Bool? {
        guard let text = stringOrNil(column) else { return nil }
        switch text {
        case "t", "true": return true
        case "f", "false": return false
        default: throw .decoding(column: rows.columnName(column), expected: "boolean")
        }
    }

    public func bool(_ column: Int) throws(PostgresError) -> Bool {
        guard let value = try boolOrNil(column) else { throw notNull(column, "boolean") }
        return value
    }

    public func uuidOrNil(_ column: Int) throws(PostgresError) -> UUID? {
        guard let text = stringOrNil(column) else { return nil }
        guard let value = UUID(uuidString: text) else { throw .decoding(column: rows.columnName(column), expected: "uuid") }
        return value
    }

    public func uuid(_ column: Int) throws(PostgresError) -> UUID {
        guard let value = try uuidOrNil(column) else { throw notNull(column, "uuid") }
        return value
    }

    public func dateOrNil(_ column: Int) throws(PostgresError) -> Date? {
        guard let parsed = rows.withBytes(row: index, column: column, { PostgresTimestamp.parse(bytes: $0) }) else { return nil }
        guard let value = parsed else {
            throw .decoding(column: rows.columnName(column), expected: "timestamptz")
        }
        return value
    }

    public func date(_ column: Int) throws(PostgresError) -> Date {
        guard let value = try dateOrNil(column) else { throw notNull(column, "timestamptz") }
        return value
    }

    private func notNull(_ column: Int, _ type: String) -> PostgresError {
        .decoding(column: rows.columnName(column), expected: "non-null \(type)")
    }

    private static func parseInt(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        var negative = false
        var start = 0
        if bytes[0] == 45 { negative = true; start = 1 } else if bytes[0] == 43 { start = 1 }
        guard start < bytes.count else { return nil }
        for i in start..<bytes.count {
            let c = bytes[i]
            guard c >= 48 && c <= 57 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(c - 48))
            guard !o1, !o2 else { return nil }
            value = a
        }
        return negative ? -value : value
    }
}
