/// An entry read from a stream: its id and its field/value pairs.
public struct StreamEntry: Sendable, Equatable {
    public let id: String
    public let fields: [String: [UInt8]]

    public init(id: String, fields: [String: [UInt8]]) {
        self.id = id
        self.fields = fields
    }

    /// A field's value as UTF-8 text.
    public func string(_ field: String) -> String? {
        fields[field].map { String(decoding: $0, as: UTF8.self) }
    }
}

/// One pending entry of a consumer group (`XPENDING … IDLE` extended form).
public struct PendingEntry: Sendable, Equatable {
    public let id: String
    public let consumer: String
    public let idleMilliseconds: Int64
    public let deliveries: Int64
}

extension RedisClient {
    /// `XGROUP CREATE key group id MKSTREAM`; an existing group is not an error.
    public func createGroup(stream: String, group: String, startID: String = "0") async throws(RedisError) {
        do {
            try await command(["XGROUP", "CREATE", stream, group, startID, "MKSTREAM"])
        } catch .server(let message) where message.hasPrefix("BUSYGROUP") {
            return
        }
    }

    /// `XADD key MAXLEN ~ n * field value …`; returns the new entry id.
    @discardableResult
    public func xadd(stream: String, maxLength: Int? = nil, fields: [(String, String)]) async throws(RedisError) -> String {
        let reply = try await command(Self.xaddArguments(stream: stream, maxLength: maxLength, fields: fields))
        guard let id = reply.string else { throw .unexpectedReply(command: "XADD", reply: "\(reply)") }
        return id
    }

    /// The arguments of an XADD, for pipelining several.
    public static func xaddArguments(stream: String, maxLength: Int?, fields: [(String, String)]) -> [String] {
        var arguments = ["XADD", stream]
        if let maxLength { arguments += ["MAXLEN", "~", String(maxLength)] }
        arguments.append("*")
        for (field, value) in fields { arguments += [field, value] }
        return arguments
    }

    /// `XREADGROUP GROUP g c COUNT n BLOCK ms STREAMS key id`. Returns no entries when the
    /// block time passes. `id` is `>` for new entries or `0` for this consumer's pending ones.
    public func readGroup(
        stream: String, group: String, consumer: String, count: Int, blockMilliseconds: Int?, id: String = ">"
    ) async throws(RedisError) -> [StreamEntry] {
        var arguments = ["XREADGROUP", "GROUP", group, consumer, "COUNT", String(count)]
        if let blockMilliseconds { arguments += ["BLOCK", String(blockMilliseconds)] }
        arguments += ["STREAMS", stream, id]
        let reply = try await command(arguments, extraTimeout: Double(blockMilliseconds ?? 0) / 1000)
        if reply.isNull { return [] }
        guard let streams = reply.array else { throw .unexpectedReply(command: "XREADGROUP", reply: "\(reply)") }
        var entries: [StreamEntry] = []
        for streamReply in streams {
            guard let pair = streamReply.array, pair.count == 2, let list = pair[1].array else {
                throw .unexpectedReply(command: "XREADGROUP", reply: "\(streamReply)")
            }
            entries += try Self.entries(list, command: "XREADGROUP")
        }
        return entries
    }

    /// `XACK key group id …`; returns how many were acknowledged.
    @discardableResult
    public func ack(stream: String, group: String, ids: [String]) async throws(RedisError) -> Int {
        guard !ids.isEmpty else { return 0 }
        let reply = try await command(["XACK", stream, group] + ids)
        return Int(reply.int ?? 0)
    }

    /// `XAUTOCLAIM key group consumer min-idle start COUNT n`: takes over entries idle longer
    /// than `minIdleMilliseconds`. Returns the cursor for the next call ("0-0" when done), the
    /// claimed entries, and the ids of entries that were deleted from the stream meanwhile.
    public func autoClaim(
        stream: String, group: String, consumer: String, minIdleMilliseconds: Int, start: String = "0-0", count: Int = 100
    ) async throws(RedisError) -> (next: String, entries: [StreamEntry], deleted: [String]) {
        let reply = try await command([
            "XAUTOCLAIM", stream, group, consumer, String(minIdleMilliseconds), start, "COUNT", String(count),
        ])
        guard let parts = reply.array, parts.count >= 2, let next = parts[0].string, let list = parts[1].array else {
            throw .unexpectedReply(command: "XAUTOCLAIM", reply: "\(reply)")
        }
        // A deleted entry comes back as a nil element in Redis 6.2; Redis 7 lists them apart.
        let entries = try Self.entries(list, command: "XAUTOCLAIM")
        let deleted = parts.count > 2 ? (parts[2].array ?? []).compactMap(\.string) : []
        return (next, entries, deleted)
    }

    /// `XPENDING key group IDLE ms - + count`: pending entries idle at least that long.
    public func pending(stream: String, group: String, minIdleMilliseconds: Int = 0, count: Int = 100) async throws(RedisError) -> [PendingEntry] {
        let reply = try await command(["XPENDING", stream, group, "IDLE", String(minIdleMilliseconds), "-", "+", String(count)])
        guard let list = reply.array else { throw .unexpectedReply(command: "XPENDING", reply: "\(reply)") }
        return try list.map { item throws(RedisError) in
            guard let fields = item.array, fields.count == 4, let id = fields[0].string, let consumer = fields[1].string,
                  let idle = fields[2].int, let deliveries = fields[3].int
            else { throw .unexpectedReply(command: "XPENDING", reply: "\(item)") }
            return PendingEntry(id: id, consumer: consumer, idleMilliseconds: idle, deliveries: deliveries)
        }
    }

    /// `XPENDING key group` summary: how many entries are pending and the lowest id.
    public func pendingSummary(stream: String, group: String) async throws(RedisError) -> (count: Int, lowestID: String?) {
        let reply = try await command(["XPENDING", stream, group])
        guard let parts = reply.array, parts.count >= 2, let count = parts[0].int else {
            throw .unexpectedReply(command: "XPENDING", reply: "\(reply)")
        }
        return (Int(count), parts[1].string)
    }

    /// `XRANGE key start end COUNT n`.
    public func range(stream: String, start: String = "-", end: String = "+", count: Int = 100) async throws(RedisError) -> [StreamEntry] {
        let reply = try await command(["XRANGE", stream, start, end, "COUNT", String(count)])
        guard let list = reply.array else { throw .unexpectedReply(command: "XRANGE", reply: "\(reply)") }
        return try Self.entries(list, command: "XRANGE")
    }

    /// `XLEN key`.
    public func length(stream: String) async throws(RedisError) -> Int {
        Int(try await command(["XLEN", stream]).int ?? 0)
    }

    static func entries(_ list: [RedisReply], command: String) throws(RedisError) -> [StreamEntry] {
        var entries: [StreamEntry] = []
        entries.reserveCapacity(list.count)
        for item in list {
            if let entry = try entry(item, command: command) { entries.append(entry) }
        }
        return entries
    }

    static func entry(_ reply: RedisReply, command: String) throws(RedisError) -> StreamEntry? {
        if reply.isNull { return nil }
        guard let pair = reply.array, pair.count == 2, let id = pair[0].string else {
            throw .unexpectedReply(command: command, reply: "\(reply)")
        }
        guard let flat = pair[1].array else { return StreamEntry(id: id, fields: [:]) }  // deleted entry
        var fields: [String: [UInt8]] = [:]
        var index = 0
        while index + 1 < flat.count {
            if let name = flat[index].string, case .bulk(let value) = flat[index + 1] { fields[name] = value }
            index += 2
        }
        return StreamEntry(id: id, fields: fields)
    }
}
