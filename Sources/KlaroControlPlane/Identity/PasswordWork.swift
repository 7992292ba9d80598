import KlaroCore
import KlaroCrypto
import NIOPosix

/// Argon2id hashing off Swift's cooperative pool, on NIO's blocking thread pool (one thread
/// per core, so at most that many 19 MiB hashes run at once).
struct PasswordWork: Sendable {
    let hasher: PasswordHasher
    /// A hash of a random password: an unknown email is checked against it, so a log-in
    /// for an email nobody has costs the same time as a wrong password.
    let decoy: String

    init(hasher: PasswordHasher = .owasp) throws {
        self.hasher = hasher
        decoy = try hasher.hash(try OpaqueToken.generate())
    }

    func hash(_ password: Secret) async throws -> String {
        let hasher = self.hasher
        return try await NIOThreadPool.singleton.runIfActive { try hasher.hash(password) }
    }

    /// Whether `password` matches `hash`; with no hash (unknown email), the decoy is checked
    /// and the answer is false.
    func verify(_ password: Secret, against hash: String?) async throws -> Bool {
        let hasher = self.hasher
        let target = hash ?? decoy
        let matches = try await NIOThreadPool.singleton.runIfActive { hasher.verify(password, against: target) }
        return matches && hash != nil
    }
}
