import Foundation
import KlaroPostgres

/// Where a soak phase's writes go: rows written per table (and how many updates were HOT,
/// which touch no index) and, with pg_walinspect, WAL bytes per relation, full-page images
/// apart. Printed under each phase line so that a WAL figure can be traced to what wrote it.
struct SoakWrites: Sendable {
    let pool: PostgresPool

    /// Rows inserted + updated + deleted, and HOT updates, per table.
    struct TableRows: Sendable { var rows = 0.0, hot = 0.0 }

    /// WAL record bytes and full-page-image bytes of one relation (or resource manager).
    struct RelationWAL: Sendable { var bytes = 0.0, fpi = 0.0 }

    func tableRows() async throws -> [String: TableRows] {
        let rows = try await pool.query("""
            SELECT relname, (n_tup_ins + n_tup_upd + n_tup_del)::float8, n_tup_hot_upd::float8 FROM pg_stat_user_tables
            """)
        var result: [String: TableRows] = [:]
        for row in rows { result[try row.string(0)] = TableRows(rows: try row.double(1), hot: try row.double(2)) }
        return result
    }

    /// Creates pg_walinspect (PostgreSQL ≥ 15, superuser); false when it cannot.
    func enableWALInspection() async -> Bool {
        (try? await pool.execute("CREATE EXTENSION IF NOT EXISTS pg_walinspect")) != nil
    }

    /// The current flushed WAL position, the end of what `walByRelation` may read.
    func flushedLSN() async throws -> String {
        try await pool.query("SELECT pg_current_wal_flush_lsn()::text")[0].string(0)
    }

    /// WAL between two positions by the relation of each record's first block (records with no
    /// block, e.g. commits, by resource manager), and by relation and record type ("relation
    /// Heap/UPDATE": which writer it was, an update, a row lock, a vacuum). Read per sample: WAL
    /// older than the last checkpoint may be recycled.
    func walByRelation(from start: String, to end: String) async throws -> (relations: [String: RelationWAL], records: [String: RelationWAL]) {
        guard start != end else { return ([:], [:]) }
        let rows = try await pool.query("""
            SELECT coalesce(c.relname, 'other ' || r.resource_manager), r.resource_manager || '/' || r.record_type,
                   sum(r.record_length)::float8, sum(r.fpi_length)::float8
            FROM (SELECT resource_manager, record_type, record_length, fpi_length,
                         (regexp_match(block_ref, 'rel \\d+/\\d+/(\\d+)'))[1]::oid AS filenode
                  FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)) r
            LEFT JOIN pg_class c ON c.relfilenode = r.filenode AND r.filenode <> 0
            GROUP BY 1, 2
            """, [start, end])
        var relations: [String: RelationWAL] = [:], records: [String: RelationWAL] = [:]
        for row in rows {
            let relation = try row.string(0), bytes = try row.double(2), fpi = try row.double(3)
            relations[relation, default: .init()].bytes += bytes
            relations[relation, default: .init()].fpi += fpi
            records[relation + " " + (try row.string(1)), default: .init()].bytes += bytes
            records[relation + " " + (try row.string(1)), default: .init()].fpi += fpi
        }
        return (relations, records)
    }

    /// "table rows/min (hot %)" for the tables written most, then "relation MB/min (fpi %)".
    static func summary(
        rowsBefore: [String: TableRows], rowsAfter: [String: TableRows], wal: [String: RelationWAL],
        records: [String: RelationWAL] = [:], minutes: Double
    ) -> String {
        func f(_ value: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", value) }
        let tables = rowsAfter.map { name, after in
            let before = rowsBefore[name] ?? TableRows()
            return (name, after.rows - before.rows, after.hot - before.hot)
        }.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.prefix(8)
        var text = "  rows/min by table: " + tables.map { name, rows, hot in
            "\(name) \(f(rows / minutes)) (hot \(f(100 * hot / max(rows, 1))) %)"
        }.joined(separator: ", ")
        if !wal.isEmpty {
            let total = wal.values.reduce(0) { $0 + $1.bytes }
            let top = wal.sorted { $0.value.bytes > $1.value.bytes }.prefix(10)
            text += "\n  wal/min by relation (\(f(total / 1_048_576 / minutes, 1)) MB/min read): " + top.map { name, wal in
                "\(name) \(f(wal.bytes / 1_048_576 / minutes, 2)) MB (fpi \(f(100 * wal.fpi / max(wal.bytes, 1))) %)"
            }.joined(separator: ", ")
        }
        if !records.isEmpty {
            let top = records.sorted { $0.value.bytes > $1.value.bytes }.prefix(14)
            text += "\n  wal/min by record type: " + top.map { name, wal in
                "\(name) \(f(wal.bytes / 1_048_576 / minutes, 2)) MB (fpi \(f(100 * wal.fpi / max(wal.bytes, 1))) %)"
            }.joined(separator: ", ")
        }
        return text
    }
}
