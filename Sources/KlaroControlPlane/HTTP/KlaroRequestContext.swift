import Foundation
import HTTPTypes
import Hummingbird
import KlaroCore

/// What klarod knows about a request while handling it.
public struct KlaroRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request's id, echoed in `X-Request-Id` and in every log line about it.
    public var requestID: String = ""
    /// The peer's address (the proxy's, behind one).
    public let remoteAddress: String?
    /// The client's address (``ClientAddressMiddleware``), for the audit log and rate limits.
    public var clientAddress: String?
    /// The trader, once a JWT was verified.
    public var userID: UUID?
    /// The operator, once the admin token was verified.
    public var adminActor: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The key rate limits charge this request to (IPv6 clients by their /64).
    public var clientKey: String { ClientAddress.limiterKey(clientAddress ?? remoteAddress ?? "unknown") }

    /// Request bodies are small JSON documents; anything larger is refused with 413.
    public var maxUploadSize: Int { 64 * 1024 }
}
