/// Why a bearer token was refused. Messages say what is wrong with the token, never its
/// content or the secret.
enum JWTError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case unsupportedAlgorithm(String)
    case badSignature
    case expired
    case notYetValid
    case wrongAudience
    case badSubject

    var description: String {
        switch self {
        case .malformed(let why): "the token is malformed: \(why)"
        case .unsupportedAlgorithm(let alg): "the token's algorithm \(alg.prefix(16)) is not accepted; only HS256 is"
        case .badSignature: "the token's signature does not verify"
        case .expired: "the token has expired"
        case .notYetValid: "the token is not valid yet"
        case .wrongAudience: "the token is not meant for this API (aud must be \"authenticated\")"
        case .badSubject: "the token's subject (sub) is not a user id"
        }
    }
}
