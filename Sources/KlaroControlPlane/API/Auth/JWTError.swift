/// Why a bearer token was refused. Messages say what is wrong with the token, never its
/// content or the secret.
enum JWTError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case unsupportedAlgorithm(String)
    case unknownKey
    case badSignature
    case expired
    case notYetValid
    case wrongIssuer
    case wrongAudience
    case wrongRole
    case badSubject

    var description: String {
        switch self {
        case .malformed(let why): "the token is malformed: \(why)"
        case .unsupportedAlgorithm(let alg): "the token's algorithm \(alg.prefix(16)) is not accepted here"
        case .unknownKey: "the token's signing key (kid) is not one of the project's keys"
        case .badSignature: "the token's signature does not verify"
        case .expired: "the token has expired"
        case .notYetValid: "the token is not valid yet"
        case .wrongIssuer: "the token was not issued by this deployment's auth server (iss)"
        case .wrongAudience: "the token is not meant for this API (aud must be \"authenticated\")"
        case .wrongRole: "the token's role is not \"authenticated\" (anon and service_role keys are refused)"
        case .badSubject: "the token's subject (sub) is not a user id"
        }
    }
}
