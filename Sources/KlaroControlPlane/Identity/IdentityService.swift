import Foundation
import KlaroCore
import Logging

/// The built-in identity's operations behind `/auth/v1` (docs/identity.md).
struct IdentityService: Sendable {
    let store: IdentityStore
    let passwords: PasswordWork
    let signer: JWTSigner
    let verifier: JWTVerifier
    let settings: IdentitySettings
    /// Requests per client on sign-up and token endpoints.
    let clientLimiter: AuthFailureLimiter
    /// Sign-up and password attempts per email.
    let emailLimiter: AuthFailureLimiter
    let logger: Logger

    func signUp(email rawEmail: String, password: Secret, client: String) async throws -> AuthSessionResponse {
        try charge(client: client)
        guard let email = EmailAddress.normalize(rawEmail) else { throw HTTPProblem.invalidEmail }
        try charge(email: email)
        if let reason = PasswordPolicy.problem(password, email: email) { throw HTTPProblem.weakPassword(reason) }
        // Hash first: a taken email costs the same time as a new one.
        let hash = try await passwords.hash(password)
        guard let (user, session) = try await store.createUser(email: email, passwordHash: hash) else {
            throw HTTPProblem.userAlreadyExists
        }
        logger.info("user signed up", metadata: ["user_id": "\(user.id.uuidString.lowercased())"])
        return try sessionResponse(user, session)
    }

    func signIn(email rawEmail: String, password: Secret, client: String) async throws -> AuthSessionResponse {
        try charge(client: client)
        var credentials: IdentityStore.Credentials?
        if let email = EmailAddress.normalize(rawEmail) {
            try charge(email: email)
            credentials = try await store.credentials(email: email)
        }
        // Unknown emails are checked against a decoy hash: the same answer in the same time.
        guard try await passwords.verify(password, against: credentials?.passwordHash), let credentials else {
            throw HTTPProblem.invalidCredentials
        }
        if credentials.disabled { throw HTTPProblem.userBanned }
        let (user, session) = try await store.signIn(userID: credentials.userID)
        return try sessionResponse(user, session)
    }

    func refresh(token: Secret, client: String) async throws -> AuthSessionResponse {
        try charge(client: client)
        guard !token.isEmpty, token.count <= 256 else { throw HTTPProblem.refreshRefused(.notFound) }
        switch try await store.refresh(token: token, idleTimeout: settings.sessionIdleTimeout) {
        case .rotated(let user, let session):
            return try sessionResponse(user, session)
        case .refused(let why):
            if why == .reused { logger.warning("a used refresh token was presented again; its session is revoked") }
            throw HTTPProblem.refreshRefused(why)
        }
    }

    func logout(token: String, scope: String) async throws {
        let claims = try await authenticate(token)
        switch scope {
        case "global": try await store.revokeSessions(userID: claims.userID, reason: "logout")
        case "others": try await store.revokeSessions(userID: claims.userID, except: claims.sessionID, reason: "logout")
        default: if let session = claims.sessionID { try await store.revokeSession(session, reason: "logout") }
        }
    }

    func user(token: String) async throws -> AuthUserResponse {
        let claims = try await authenticate(token)
        guard let user = try await store.user(id: claims.userID) else { throw HTTPProblem.sessionNotFound }
        if user.disabled { throw HTTPProblem.userBanned }
        return AuthUserResponse(user)
    }

    /// Sets a new password and revokes the user's other sessions (the current one stays).
    func changePassword(token: String, to password: Secret) async throws -> AuthUserResponse {
        let claims = try await authenticate(token)
        guard let current = try await store.user(id: claims.userID), !current.disabled else { throw HTTPProblem.userBanned }
        if let reason = PasswordPolicy.problem(password, email: current.email) { throw HTTPProblem.weakPassword(reason) }
        let hash = try await passwords.hash(password)
        guard let user = try await store.changePassword(
            userID: claims.userID, hash: hash, keepingSession: claims.sessionID, reason: "password_changed")
        else { throw HTTPProblem.sessionNotFound }
        return AuthUserResponse(user)
    }

    // MARK: Helpers

    /// Verifies an access token for the `/auth/v1/user` and `logout` endpoints: the same
    /// checks as `/api`, and its session must still be live.
    private func authenticate(_ token: String) async throws -> JWTClaims {
        let claims: JWTClaims
        do {
            claims = try await verifier.verify(token)
        } catch {
            throw HTTPProblem.unauthorized(error.description, challenge: "Bearer error=\"invalid_token\"")
        }
        guard let session = claims.sessionID, try await store.sessionIsLive(session, userID: claims.userID) else {
            throw HTTPProblem.sessionNotFound
        }
        return claims
    }

    private func sessionResponse(_ user: IdentityStore.UserRecord, _ session: IdentityStore.NewSession) throws -> AuthSessionResponse {
        let access = try signer.accessToken(user: user.id, email: user.email, session: session.sessionID)
        return AuthSessionResponse(
            access_token: access.token, token_type: "bearer", expires_in: Int(signer.lifetime), expires_at: access.expiresAt,
            refresh_token: session.refreshToken.reveal, user: AuthUserResponse(user))
    }

    private func charge(client: String) throws {
        if let wait = clientLimiter.retryAfter(client) { throw HTTPProblem.authRateLimited(retryAfter: wait) }
        clientLimiter.recordFailure(client)
    }

    private func charge(email: String) throws {
        if let wait = emailLimiter.retryAfter(email) { throw HTTPProblem.authRateLimited(retryAfter: wait) }
        emailLimiter.recordFailure(email)
    }
}
