import Foundation

/// Where and how to reach Redis: parsed from `redis://[user[:password]@]host[:port][/db]`.
public struct RedisConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var database: Int
    public var username: String?
    public var password: String?
    /// Seconds to wait for a TCP connection.
    public var connectTimeout: Double
    /// Seconds to wait for a reply (blocking reads add their own block time to this).
    public var commandTimeout: Double

    public init(
        host: String = "127.0.0.1", port: Int = 6379, database: Int = 0, username: String? = nil,
        password: String? = nil, connectTimeout: Double = 2, commandTimeout: Double = 5
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    /// Parses a Redis URL. Errors say what is wrong without repeating a password.
    public init(url: String) throws(RedisError) {
        guard let components = URLComponents(string: url), components.scheme == "redis" else {
            throw .badURL("must look like redis://host:port/db")
        }
        guard let host = components.host, !host.isEmpty else { throw .badURL("has no host") }
        self.init(host: host)
        if let port = components.port {
            guard (1...65535).contains(port) else { throw .badURL("port \(port) is out of range") }
            self.port = port
        }
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if !path.isEmpty {
            guard let database = Int(path), database >= 0 else { throw .badURL("database '\(path)' is not a number") }
            self.database = database
        }
        if let user = components.user, !user.isEmpty { username = user.removingPercentEncoding ?? user }
        if let password = components.password { self.password = password.removingPercentEncoding ?? password }
    }

    /// `host:port/db`, for messages.
    public var target: String { "\(host):\(port)/\(database)" }
}
