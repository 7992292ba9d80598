import Foundation
import KlaroCrypto

/// An operator's approval of a host's public key (docs/protocol.md §4, DESIGN §6).
///
/// The operator names the key by the fingerprint they were shown, and only that key is
/// approved: if the host registered another key since (an impostor, or a reinstall), the
/// approval is refused and the operator sees the new fingerprint, instead of approving a key
/// they never looked at.
public enum HostApproval {
    /// Why a key was not approved.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// The host's current key has another fingerprint than the one the operator gave.
        case keyChanged(presented: String)
        /// The host's registered key is not a valid X25519 public key.
        case invalidKey

        public var description: String {
            switch self {
            case .keyChanged(let presented):
                "the host now presents the key \(presented), not the one given; check it and approve that fingerprint"
            case .invalidKey:
                "the host registered a public key that is not 32 bytes of base64; fix the worker's key"
            }
        }
    }

    /// SQL: the host `h` (a `worker_hosts` row) is admitted as it is now, approved with the key
    /// it presents (a host that registered another key since is not, until approved again).
    static let admittedSQL = "h.approved_key IS NOT NULL AND h.approved_key = h.public_key"

    /// The host after approval.
    public struct Decision: Sendable, Equatable {
        public let state: HostAdminState
        public let approvedKey: String
    }

    /// The fingerprint (`SHA256:…`) of a base64 public key, or nil if it is not one.
    public static func fingerprint(ofBase64 key: String) -> String? {
        guard let bytes = try? HostKey.publicKey(fromBase64: key) else { return nil }
        return HostKey.fingerprint(publicKey: bytes)
    }

    /// Decides an approval of `fingerprint` for a host presenting `publicKey`.
    /// - Parameters:
    ///   - fingerprint: what the operator saw and approves.
    ///   - publicKey: the key the host presents now (base64).
    ///   - approvedKey: the key approved before, if any.
    ///   - state: the host's state now.
    public static func decide(
        fingerprint: String, publicKey: String, approvedKey: String?, state: HostAdminState
    ) -> Result<Decision, Refusal> {
        guard let presented = Self.fingerprint(ofBase64: publicKey) else { return .failure(.invalidKey) }
        guard presented == fingerprint.trimmingCharacters(in: .whitespaces) else {
            return .failure(.keyChanged(presented: presented))
        }
        // A refused or pending host becomes active; an admitted one keeps its state (approving
        // the approved key again changes nothing).
        return .success(Decision(state: state.isAdmitted ? state : .active, approvedKey: publicKey))
    }
}
