import Foundation
import Hummingbird

/// `GET /api/dashboard/summary`.
struct DashboardRoutes: Sendable {
    let query: DashboardQuery

    func register(on api: RouterGroup<KlaroRequestContext>) {
        let query = self.query
        api.get("dashboard/summary") { request, context in
            JSONResponse(try await query.summary(userID: try context.requireUser(), query: request.queryDictionary))
        }
    }
}
