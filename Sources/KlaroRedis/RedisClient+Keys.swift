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
