import CArgon2
import KlaroCore

/// Argon2id password hashes in the PHC string format, through libargon2.
///
/// Hashing is deliberately slow and memory-hard (OWASP's minimum: 19 MiB, 2 iterations,
/// 1 lane): call it off Swift's cooperative pool. The parameters live in each stored hash, so
/// raising the cost later leaves old hashes verifiable.
public struct PasswordHasher: Sendable {
    /// Memory in KiB.
    public let memoryKiB: UInt32
    public let iterations: UInt32
    public let lanes: UInt32

    public static let owasp = PasswordHasher(memoryKiB: 19 * 1024, iterations: 2, lanes: 1)

    static let saltByteCount = 16
    static let hashByteCount = 32
    /// Passwords longer than this are refused before hashing (libargon2 takes up to 2³² − 1).
    public static let maximumPasswordBytes = 1024

    public init(memoryKiB: UInt32, iterations: UInt32, lanes: UInt32) {
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.lanes = lanes
    }

    /// A new hash of `password` with a fresh random salt.
    public func hash(_ password: Secret) throws(PasswordHashError) -> String {
        let password = Array(password.reveal.utf8)
        guard password.count <= Self.maximumPasswordBytes else { throw .tooLong }
        let salt: [UInt8]
        do {
            salt = try SecureRandom.bytes(count: Self.saltByteCount)
        } catch {
            throw .library("random salt: \(error)")
        }
        let length = argon2_encodedlen(
            iterations, memoryKiB, lanes, UInt32(Self.saltByteCount), UInt32(Self.hashByteCount), Argon2_id)
        var encoded = [CChar](repeating: 0, count: length)
        let status = argon2id_hash_encoded(
            iterations, memoryKiB, lanes, password, password.count, salt, salt.count, Self.hashByteCount,
            &encoded, encoded.count)
        guard status == ARGON2_OK.rawValue else { throw .library(Self.message(status)) }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `password` matches `encoded`. A malformed hash matches nothing; the time spent
    /// is the hash's own cost either way (libargon2 compares in constant time).
    public func verify(_ password: Secret, against encoded: String) -> Bool {
        let password = Array(password.reveal.utf8)
        guard password.count <= Self.maximumPasswordBytes, encoded.hasPrefix("$argon2id$") else { return false }
        return argon2id_verify(encoded, password, password.count) == ARGON2_OK.rawValue
    }

    private static func message(_ status: Int32) -> String {
        argon2_error_message(status).map { String(cString: $0) } ?? "error \(status)"
    }
}

/// Why a password could not be hashed; never carries the password.
public enum PasswordHashError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooLong
    case library(String)

    public var description: String {
        switch self {
        case .tooLong: "the password is longer than \(PasswordHasher.maximumPasswordBytes) bytes"
        case .library(let why): "Argon2id hashing failed: \(why)"
        }
    }
}
