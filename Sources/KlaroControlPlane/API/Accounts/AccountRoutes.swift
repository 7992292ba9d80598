import Foundation
import Hummingbird

/// `/api/accounts`: add, list, show, change, delete and sync the caller's MT5 accounts.
struct AccountRoutes: Sendable {
    let repository: AccountRepository

    func register(on api: RouterGroup<KlaroRequestContext>) {
        let repository = self.repository
        api.post("accounts") { request, context in
            let userID = try context.requireUser()
            let account = try AccountInput.newAccount(try await RequestBody.jsonObject(request, context: context))
            return JSONResponse(try await repository.create(userID: userID, account: account), status: .created)
        }
        api.get("accounts") { _, context in
            JSONResponse(AccountList(accounts: try await repository.list(userID: try context.requireUser())))
        }
        api.get("accounts/:id") { _, context in
            JSONResponse(try await repository.get(userID: try context.requireUser(), id: try Self.accountID(context)))
        }
        api.patch("accounts/:id") { request, context in
            let userID = try context.requireUser()
            let id = try Self.accountID(context)
            let changes = try AccountInput.changes(try await RequestBody.jsonObject(request, context: context))
            return JSONResponse(try await repository.update(userID: userID, id: id, changes: changes))
        }
        api.delete("accounts/:id") { _, context in
            try await repository.delete(userID: try context.requireUser(), id: try Self.accountID(context))
            return Response(status: .noContent)
        }
        api.post("accounts/:id/sync") { _, context in
            let view = try await repository.requestSync(userID: try context.requireUser(), id: try Self.accountID(context))
            return JSONResponse(view, status: .accepted)
        }
    }

    /// The `{id}` path parameter; anything that is not a UUID is an account that does not exist.
    static func accountID(_ context: KlaroRequestContext) throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else {
            throw HTTPProblem.notFound("account")
        }
        return id
    }
}

struct AccountList: Encodable, Sendable {
    let accounts: [AccountView]
}
