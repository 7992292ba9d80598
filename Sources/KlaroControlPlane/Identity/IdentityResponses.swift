import Foundation

/// A user in Supabase Auth's JSON shape (`GET /auth/v1/user`, and `user` in sessions).
/// Built-in users have no email confirmation step, so `email_confirmed_at` and
/// `confirmed_at` are their creation time, as Supabase reports with confirmations off.
struct AuthUserResponse: Encodable, Sendable {
    let id: String
    let aud: String
    let role: String
    let email: String
    let email_confirmed_at: Date
    let phone: String
    let confirmed_at: Date
    let last_sign_in_at: Date?
    let app_metadata: AppMetadata
    let user_metadata: [String: String]
    let identities: [String]
    let created_at: Date
    let updated_at: Date
    let is_anonymous: Bool

    struct AppMetadata: Encodable, Sendable {
        let provider: String
        let providers: [String]
    }

    init(_ user: IdentityStore.UserRecord) {
        id = user.id.uuidString.lowercased()
        aud = JWTVerifier.authenticatedRole
        role = JWTVerifier.authenticatedRole
        email = user.email
        email_confirmed_at = user.createdAt
        phone = ""
        confirmed_at = user.createdAt
        last_sign_in_at = user.lastSignInAt
        app_metadata = AppMetadata(provider: "email", providers: ["email"])
        user_metadata = [:]
        identities = []
        created_at = user.createdAt
        updated_at = user.updatedAt
        is_anonymous = false
    }
}

/// A session in Supabase Auth's JSON shape (sign-up, `grant_type=password|refresh_token`).
struct AuthSessionResponse: Encodable, Sendable {
    let access_token: String
    let token_type: String
    let expires_in: Int
    let expires_at: Int
    let refresh_token: String
    let user: AuthUserResponse
}
