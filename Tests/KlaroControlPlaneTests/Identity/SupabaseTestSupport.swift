import Foundation
import HTTPTypes
import Hummingbird
@testable import KlaroControlPlane
import KlaroCrypto
import KlaroTestSupport
import NIOCore
import Synchronization

/// A stand-in for a Supabase project: signing keys made with OpenSSL, and its JWKS served by
/// a real HTTP server on a free port.
final class FakeSupabaseProject: Sendable {
    private let task: Task<Void, any Error>
    private let box: StateBox
    /// The project URL (`KLARO_SUPABASE_URL`).
    let url: String

    var issuer: String { url + "/auth/v1" }

    static func start() async throws -> FakeSupabaseProject {
        try await FakeSupabaseProject()
    }

    private init() async throws {
        let router = Router()
        let ports = AsyncStream<Int>.makeStream()
        let box = StateBox()
        router.get("/auth/v1/.well-known/jwks.json") { _, _ -> Response in
            box.count()
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: box.read())))
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in ports.continuation.yield(channel.localAddress?.port ?? 0) },
            logger: TestServices.logger("fake-supabase"))
        task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var port = 0
        for await bound in ports.stream {
            port = bound
            break
        }
        url = "http://127.0.0.1:\(port)"
        self.box = box
    }

    /// Replaces the served JWKS with these keys.
    func serve(_ keys: [(kid: String, key: JWSPrivateKey)]) throws {
        var entries: [[String: String]] = []
        for (kid, key) in keys {
            let parts = try key.publicComponents()
            var entry = ["kid": kid, "alg": key.algorithm.rawValue, "use": "sig"]
            switch key.algorithm {
            case .es256:
                entry.merge(["kty": "EC", "crv": "P-256", "x": Base64URL.encode(parts["x"]!), "y": Base64URL.encode(parts["y"]!)]) { $1 }
            case .rs256:
                entry.merge(["kty": "RSA", "n": Base64URL.encode(parts["n"]!), "e": Base64URL.encode(parts["e"]!)]) { $1 }
            }
            entries.append(entry)
        }
        let data = try JSONSerialization.data(withJSONObject: ["keys": entries], options: [.sortedKeys])
        box.write(String(decoding: data, as: UTF8.self))
    }

    var jwksText: String { box.read() }
    var requests: Int { box.requests() }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    /// A token signed by `key`, with Supabase's claims unless overridden.
    func token(
        key: JWSPrivateKey, kid: String, sub: String = UUID().uuidString.lowercased(), role: String = "authenticated",
        iss: String? = nil, alg: String? = nil, extra: [String: Any] = [:]
    ) throws -> String {
        let header = try JSONSerialization.data(
            withJSONObject: ["alg": alg ?? key.algorithm.rawValue, "typ": "JWT", "kid": kid], options: [.sortedKeys])
        let now = Date().timeIntervalSince1970
        var claims: [String: Any] = [
            "sub": sub, "aud": "authenticated", "role": role, "iss": iss ?? issuer, "iat": Int(now), "exp": Int(now) + 3600,
            "email": "supa@example.com", "session_id": UUID().uuidString.lowercased(),
        ]
        claims.merge(extra) { $1 }
        let payload = try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys])
        let input = Base64URL.encode(header) + "." + Base64URL.encode(payload)
        return input + "." + Base64URL.encode(try key.sign(Array(input.utf8)))
    }
}

/// The fake project's mutable state, shared with its route handler.
final class StateBox: Sendable {
    private let text = Mutex<String>(#"{"keys":[]}"#)
    private let counter = Atomic<Int>(0)

    func read() -> String { text.withLock { $0 } }
    func write(_ value: String) { text.withLock { $0 = value } }
    func count() { counter.add(1, ordering: .relaxed) }
    func requests() -> Int { counter.load(ordering: .relaxed) }
}
