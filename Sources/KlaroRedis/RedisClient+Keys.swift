extension RedisClient {
    /// `GET key`; nil when the key does not exist.
    public func get(_ key: String) async throws(RedisError) -> String? {
        try await command(["GET", key]).string
    }

    /// `SET key value [EX seconds]`.
    public func set(_ key: String, _ value: String, expireSeconds: Int? = nil) async throws(RedisError) {
        var arguments = ["SET", key, value]
        if let expireSeconds { arguments += ["EX", String(expireSeconds)] }
        try await command(arguments)
    }

    /// `DEL key …`; returns how many existed.
    @discardableResult
    public func delete(_ keys: [String]) async throws(RedisError) -> Int {
        guard !keys.isEmpty else { return 0 }
        return Int(try await command(["DEL"] + keys).int ?? 0)
    }

    /// `TTL key` in seconds (-2 missing, -1 no expiry).
    public func ttl(_ key: String) async throws(RedisError) -> Int {
        Int(try await command(["TTL", key]).int ?? -2)
    }

    /// `HSET key field value …`.
    public func hset(_ key: String, _ fields: [(String, String)]) async throws(RedisError) {
        try await command(["HSET", key] + fields.flatMap { [$0.0, $0.1] })
    }

    /// `HGETALL key`.
    public func hgetall(_ key: String) async throws(RedisError) -> [String: String] {
        let reply = try await command(["HGETALL", key])
        guard let flat = reply.array else { throw .unexpectedReply(command: "HGETALL", reply: "\(reply)") }
        var result: [String: String] = [:]
        var index = 0
        while index + 1 < flat.count {
            if let name = flat[index].string, let value = flat[index + 1].string { result[name] = value }
            index += 2
        }
        return result
    }

    /// Every key matching a glob pattern, walked with `SCAN` (never `KEYS`).
    public func scan(match pattern: String, count: Int = 1000) async throws(RedisError) -> [String] {
        var cursor = "0"
        var keys: [String] = []
        repeat {
            let reply = try await command(["SCAN", cursor, "MATCH", pattern, "COUNT", String(count)])
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string, let batch = parts[1].array else {
                throw .unexpectedReply(command: "SCAN", reply: "\(reply)")
            }
            keys += batch.compactMap(\.string)
            cursor = next
        } while cursor != "0"
        return keys
    }

    /// `MGET key …`: values in order, nil where missing.
    public func mget(_ keys: [String]) async throws(RedisError) -> [String?] {
        guard !keys.isEmpty else { return [] }
        let reply = try await command(["MGET"] + keys)
        guard let values = reply.array else { throw .unexpectedReply(command: "MGET", reply: "\(reply)") }
        return values.map(\.string)
    }
}
