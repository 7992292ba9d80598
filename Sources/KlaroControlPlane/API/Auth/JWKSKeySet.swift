import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KlaroCrypto
import Logging
import Synchronization

/// A Supabase project's signing keys (ES256, RS256) from its JWKS, by `kid`.
///
/// Fetched on first use and cached. A token with a `kid` the cache lacks triggers a refetch
/// (the project rotated its keys), at most once per `refetchInterval` so that forged kids
/// cannot make klarod hammer the project; the set is also refreshed when older than `maxAge`,
/// so that a revoked key stops working. Offline, a JWKS file stands in for the URL.
final class JWKSKeySet: JWTKeySource {
    enum Source: Sendable, Equatable {
        case url(URL)
        case file(String)
    }

    private struct State {
        var keys: [String: JWSPublicKey] = [:]
        var fetchedAt: Double?
        var attemptedAt: Double?
    }

    let source: Source
    let refetchInterval: Double
    let maxAge: Double
    private let clock: @Sendable () -> Double
    private let logger: Logger
    private let state = Mutex(State())

    init(
        source: Source, refetchInterval: Double = 60, maxAge: Double = 600, logger: Logger,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.source = source
        self.refetchInterval = refetchInterval
        self.maxAge = maxAge
        self.logger = logger
        self.clock = clock
    }

    /// The JWKS URL of a Supabase project.
    static func projectURL(_ projectURL: String) -> URL? {
        URL(string: projectURL + "/auth/v1/.well-known/jwks.json")
    }

    func key(id: String) async -> JWSPublicKey? {
        let now = clock()
        let (key, shouldFetch) = state.withLock { state -> (JWSPublicKey?, Bool) in
            let key = state.keys[id]
            let stale = state.fetchedAt.map { now - $0 >= maxAge } ?? true
            let allowed = state.attemptedAt.map { now - $0 >= refetchInterval } ?? true
            guard (key == nil || stale) && allowed else { return (key, false) }
            state.attemptedAt = now
            return (key, true)
        }
        guard shouldFetch else { return key }
        do {
            let keys = try Self.parse(try await load())
            state.withLock { state in
                state.keys = keys
                state.fetchedAt = now
            }
            logger.info("loaded the Supabase project's signing keys", metadata: ["kids": "\(keys.keys.sorted())"])
            return keys[id]
        } catch {
            // Keep the keys we had: a failed refetch must not lock every user out.
            logger.warning("could not load the Supabase JWKS", metadata: ["error": "\(error)"])
            return key
        }
    }

    private func load() async throws -> Data {
        switch source {
        case .file(let path):
            return try Data(contentsOf: URL(fileURLWithPath: path))
        case .url(let url):
            var request = URLRequest(url: url)
            request.timeoutInterval = 5
            let (data, response) = try await URLSession.shared.data(for: request)
            guard let status = (response as? HTTPURLResponse)?.statusCode, status == 200 else {
                throw JWKSError(reason: "\(url.absoluteString) answered \((response as? HTTPURLResponse)?.statusCode ?? 0)")
            }
            guard data.count <= 256 * 1024 else { throw JWKSError(reason: "the JWKS is larger than 256 KiB") }
            return data
        }
    }

    /// The usable keys of a JWKS document: EC P-256 for ES256 and RSA for RS256, by `kid`.
    /// Keys for other uses, curves or algorithms are skipped.
    static func parse(_ data: Data) throws -> [String: JWSPublicKey] {
        guard let document = try? JSONValue.parse(data), case .array(let entries)? = document["keys"] else {
            throw JWKSError(reason: "not a JWKS document (no \"keys\" array)")
        }
        var keys: [String: JWSPublicKey] = [:]
        for entry in entries {
            guard let kid = entry["kid"]?.string, !kid.isEmpty else { continue }
            if let use = entry["use"]?.string, use != "sig" { continue }
            let alg = entry["alg"]?.string
            func bytes(_ field: String) -> [UInt8]? { entry[field]?.string.flatMap { Base64URL.decode($0[...]) }.map { Array($0) } }
            switch entry["kty"]?.string {
            case "EC" where entry["crv"]?.string == "P-256" && (alg == nil || alg == "ES256"):
                guard let x = bytes("x"), let y = bytes("y"), let key = try? JWSPublicKey(p256X: x, y: y) else { continue }
                keys[kid] = key
            case "RSA" where alg == nil || alg == "RS256":
                guard let n = bytes("n"), let e = bytes("e"), let key = try? JWSPublicKey(rsaModulus: n, exponent: e) else { continue }
                keys[kid] = key
            default:
                continue
            }
        }
        return keys
    }
}

struct JWKSError: Error, CustomStringConvertible {
    let reason: String
    var description: String { "JWKS: \(reason)" }
}
