import Foundation
import HTTPTypes
import Hummingbird
import KlaroPostgres
import ServiceLifecycle

/// `GET /api/events`: the caller's account events as Server-Sent Events.
///
/// A reconnecting client sends `Last-Event-ID` (an event's `at`) and first gets what it
/// missed, rebuilt from the accounts' state in PostgreSQL, so it does not matter which
/// replica served the earlier stream.
struct EventRoutes: Sendable {
    let hub: AccountEventHub
    let pool: PostgresPool

    func register(on api: RouterGroup<KlaroRequestContext>) {
        let hub = self.hub, pool = self.pool
        api.get("events") { request, context -> Response in
            let user = try context.requireUser()
            // Subscribe before reading what was missed, so nothing falls between the two.
            let subscription = hub.subscribe(user)
            let resume = AccountEvent.resumePoint(request.headers[.lastEventID])
            let missed = try await Self.missed(userID: user, since: resume, pool: pool)
            let body = ResponseBody { writer in
                try await writer.write(ByteBuffer(string: AccountEvent.openingFrame))
                for event in missed { try await writer.write(ByteBuffer(string: event.frame)) }
                for await message in subscription.messages.cancelOnGracefulShutdown() {
                    switch message {
                    case .event(let event): try await writer.write(ByteBuffer(string: event.frame))
                    case .heartbeat: try await writer.write(ByteBuffer(string: AccountEvent.heartbeatFrame))
                    }
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [
                .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache, no-store", .xAccelBuffering: "no",
            ], body: body)
        }
    }
}

extension EventRoutes {
    static func missed(userID: UUID, since resume: Int64?, pool: PostgresPool) async throws -> [AccountEvent] {
        guard let resume else { return [] }
        return try await AccountEventNotifier.missed(userID: userID, since: resume, pool: pool)
    }
}

extension HTTPField.Name {
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
    /// Tells nginx not to buffer the stream.
    static let xAccelBuffering = HTTPField.Name("X-Accel-Buffering")!
}
