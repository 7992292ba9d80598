import Foundation

/// Seals MT5 passwords for storage in `user_mt5_accounts.mt5_password_encrypted`
/// (DESIGN §6): AES-256-GCM under the key ring's current key, random 96-bit nonce,
/// additional data = the account id, so an envelope copied to another account row
/// does not open.
///
/// Stored form: `"v1:" + keyID + ":" + base64(nonce(12) ‖ ciphertext ‖ tag(16))`.
public struct CredentialVault: Sendable {
    /// The keys this vault seals and opens with.
    public let keyRing: KeyRing

    public init(keyRing: KeyRing) {
        self.keyRing = keyRing
    }

    /// Encrypts `password` for the account `accountID` under the current key.
    /// - Throws: ``CredentialError/cryptoFailure(reason:)`` only if OpenSSL fails.
    public func seal(_ password: String, accountID: UUID) throws(CredentialError) -> String {
        do {
            let nonce = try SecureRandom.bytes(count: AESGCM.nonceByteCount)
            return try seal(password, accountID: accountID, nonce: nonce).text
        } catch {
            throw .cryptoFailure(reason: error.description)
        }
    }

    /// Decrypts a stored envelope with whichever ring key its id names.
    /// - Throws: ``CredentialError`` — malformed text, unsupported version, unknown key
    ///   id, or failed authentication (altered, or sealed for another account).
    public func open(_ stored: String, accountID: UUID) throws(CredentialError) -> String {
        let envelope = try CredentialEnvelope(parsing: stored)
        guard let key = keyRing.key(for: envelope.keyID) else { throw .unknownKeyID(envelope.keyID) }
        var plaintext: [UInt8]
        do {
            plaintext = try AESGCM.open(
                ciphertext: envelope.ciphertext, tag: envelope.tag, key: key,
                nonce: envelope.nonce, additionalData: Self.additionalData(for: accountID))
        } catch .authenticationFailed {
            throw .authenticationFailed(keyID: envelope.keyID)
        } catch {
            throw .cryptoFailure(reason: error.description)
        }
        defer { wipe(&plaintext) }
        guard let password = String(validating: plaintext, as: UTF8.self) else {
            throw .invalidPlaintext(keyID: envelope.keyID)
        }
        return password
    }

    /// Opens `stored` and seals the password again under the current key.
    public func reseal(_ stored: String, accountID: UUID) throws(CredentialError) -> String {
        try seal(open(stored, accountID: accountID), accountID: accountID)
    }

    /// Deterministic core of `seal`; tests pin the envelope format through it.
    func seal(
        _ password: String, accountID: UUID, nonce: [UInt8]
    ) throws(CryptoPrimitiveError) -> CredentialEnvelope {
        let current = keyRing.entries[0]
        var plaintext = Array(password.utf8)
        defer { wipe(&plaintext) }
        let (ciphertext, tag) = try AESGCM.seal(
            plaintext, key: current.key, nonce: nonce, additionalData: Self.additionalData(for: accountID))
        return CredentialEnvelope(keyID: current.id, nonce: nonce, ciphertext: ciphertext, tag: tag)
    }

    /// The account id as its lowercase UUID string, UTF-8.
    static func additionalData(for accountID: UUID) -> [UInt8] {
        Array(accountID.uuidString.lowercased().utf8)
    }
}

extension CredentialVault: CustomStringConvertible {
    public var description: String { "CredentialVault(\(keyRing))" }
}
