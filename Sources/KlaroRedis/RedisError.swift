/// What went wrong talking to Redis. Messages name the server, never a password.
public enum RedisError: Error, Sendable, CustomStringConvertible, Equatable {
    case badURL(String)
    /// No connection could be made (or the client is backing off after a failure).
    case connectionFailed(target: String, message: String)
    /// The connection broke during a command; the command may or may not have run.
    case connectionLost(target: String, message: String)
    /// Redis answered with an error reply.
    case server(String)
    /// The reply did not have the expected shape.
    case unexpectedReply(command: String, reply: String)
    case closed

    public var description: String {
        switch self {
        case .badURL(let message): "Redis URL \(message)"
        case .connectionFailed(let target, let message): "Redis \(target): could not connect: \(message)"
        case .connectionLost(let target, let message): "Redis \(target): connection lost: \(message)"
        case .server(let message): "Redis error: \(message)"
        case .unexpectedReply(let command, let reply): "Redis \(command): unexpected reply \(reply)"
        case .closed: "Redis client is closed"
        }
    }

    public var isConnectionError: Bool {
        switch self {
        case .connectionFailed, .connectionLost, .closed: true
        default: false
        }
    }
}
