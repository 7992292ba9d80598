import KlaroCore
import HTTPTypes

/// The built-in identity's errors: problem+json whose `code` is Supabase Auth's `error_code`
/// (so supabase-js shows the same messages), never saying whether an email exists.
extension HTTPProblem {
    static let invalidCredentials = HTTPProblem(
        .badRequest, code: "invalid_credentials", message: "Invalid login credentials")

    static func weakPassword(_ reason: String) -> HTTPProblem {
        HTTPProblem(.unprocessableContent, code: "weak_password", message: reason,
                    fields: [FieldError(field: "password", message: reason)])
    }

    static let invalidEmail = HTTPProblem(
        .badRequest, code: "validation_failed", message: "Unable to validate email address: invalid format",
        fields: [FieldError(field: "email", message: "is not a valid email address")])

    static let userAlreadyExists = HTTPProblem(
        .unprocessableContent, code: "user_already_exists", message: "User already registered")

    static let userBanned = HTTPProblem(.badRequest, code: "user_banned", message: "User is banned")

    static func refreshRefused(_ why: RefreshRefusal) -> HTTPProblem {
        let message = switch why {
        case .notFound: "Invalid Refresh Token: Refresh Token Not Found"
        case .reused: "Invalid Refresh Token: Already Used"
        case .sessionRevoked: "Invalid Refresh Token: Session Revoked"
        case .sessionExpired: "Invalid Refresh Token: Session Expired"
        case .userDisabled: "User is banned"
        }
        return HTTPProblem(.badRequest, code: why.rawValue, message: message)
    }

    static let sessionNotFound = HTTPProblem(
        .forbidden, code: "session_not_found", message: "Session from session_id claim in JWT does not exist")

    static func authRateLimited(retryAfter: Double) -> HTTPProblem {
        .tooManyRequests("over_request_rate_limit", "Request rate limit reached; try again later", retryAfter: retryAfter)
    }
}
