import Foundation
@testable import KlaroControlPlane
import KlaroCore
import KlaroPostgres
import KlaroTestSupport
import Testing

@Suite("Traders' API: Stripe webhook and plans")
struct APIBillingTests {
    static func event(
        id: String = "evt_\(UUID().uuidString.prefix(12))", type: String, created: Int = Int(Date().timeIntervalSince1970),
        object: [String: Any]
    ) -> Data {
        try! JSONSerialization.data(withJSONObject: [
            "id": id, "object": "event", "type": type, "created": created, "livemode": false, "data": ["object": object],
        ])
    }

    static func subscription(_ id: String, user: UUID?, status: String, periodEnd: Int = 1_900_000_000) -> [String: Any] {
        var object: [String: Any] = [
            "id": id, "object": "subscription", "customer": "cus_123", "status": status, "current_period_end": periodEnd,
        ]
        object["metadata"] = user.map { ["user_id": $0.uuidString.lowercased()] } ?? [:]
        return object
    }

    static func deliver(_ api: APIServer, _ body: Data, timestamp: Int64 = Int64(Date().timeIntervalSince1970), secret: String = APIServer.stripeSecret,
                        tamper: Bool = false) async throws -> TestHTTP.Reply {
        let header = try StripeSignature.header(timestamp: timestamp, body: body, secret: Secret(secret))
        var sent = body
        if tamper { sent.append(contentsOf: Array(" ".utf8)) }
        return try await TestHTTP.request("POST", api.baseURL + "/api/billing/stripe-webhook",
            headers: ["Stripe-Signature": header, "Content-Type": "application/json"], body: sent)
    }

    static func plan(_ api: APIServer, _ user: UUID) async throws -> String {
        try await api.pool.query("SELECT klaro_user_plan($1)", [user])[0].string(0)
    }

    @Test("signatures: valid applies, stale/tampered/wrong secret are 400 and change nothing, a replay is a duplicate")
    func signatures() async throws {
        try await APIServer.with { api in
            let user = UUID()
            let body = Self.event(id: "evt_sub_1", type: "customer.subscription.created", object: Self.subscription("sub_1", user: user, status: "active"))

            let stale = try await Self.deliver(api, body, timestamp: Int64(Date().timeIntervalSince1970) - 600)
            #expect(stale.status == 400)
            #expect(try stale.json()["code"] as? String == "bad_signature")
            #expect(try await Self.deliver(api, body, tamper: true).status == 400)
            #expect(try await Self.deliver(api, body, secret: "whsec_wrong_0123456789abcdef").status == 400)
            let unsigned = try await TestHTTP.request("POST", api.baseURL + "/api/billing/stripe-webhook", body: body)
            #expect(unsigned.status == 400)
            #expect(try await api.pool.query("SELECT count(*) FROM subscriptions")[0].int(0) == 0)
            #expect(try await api.pool.query("SELECT count(*) FROM stripe_events")[0].int(0) == 0)

            let applied = try await Self.deliver(api, body)
            #expect(applied.status == 200)
            #expect(try applied.json()["result"] as? String == "applied")
            #expect(try await Self.plan(api, user) == "pro")

            // The same event again (Stripe retries, or an attacker replays a fresh copy).
            try await api.pool.execute("UPDATE subscriptions SET status = 'canceled'")
            let replay = try await Self.deliver(api, body)
            #expect(replay.status == 200)
            #expect(try replay.json()["result"] as? String == "duplicate")
            #expect(try await api.pool.query("SELECT status FROM subscriptions")[0].string(0) == "canceled")
        }
    }

    @Test("upgrade, payment failure and cancellation move the plan and the accounts it allows")
    func planLifecycle() async throws {
        try await APIServer.with { api in
            let (user, token) = TestJWT.user()
            let first = try await api.addAccount(token: token, login: 1)
            let now = Int(Date().timeIntervalSince1970)
            #expect(try await Self.deliver(api, Self.event(type: "customer.subscription.created", created: now - 100,
                object: Self.subscription("sub_9", user: user, status: "active"))).status == 200)
            let second = try await api.addAccount(token: token, login: 2)
            let third = try await api.addAccount(token: token, login: 3)
            let row = try await api.pool.query("SELECT status, current_period_end, stripe_customer_id FROM subscriptions WHERE stripe_subscription_id = 'sub_9'")
            #expect(try row[0].string(0) == "active")
            #expect(try row[0].date(1) == Date(timeIntervalSince1970: 1_900_000_000))

            // Payment fails: past_due, which is not pro; accounts beyond the first are disabled.
            let invoice: [String: Any] = ["id": "in_1", "object": "invoice", "customer": "cus_123", "subscription": "sub_9"]
            #expect(try await Self.deliver(api, Self.event(type: "invoice.payment_failed", created: now - 50, object: invoice)).status == 200)
            #expect(try await Self.plan(api, user) == "free")
            let statuses = { () async throws -> [UUID: String] in
                var result: [UUID: String] = [:]
                for row in try await api.pool.query("SELECT id, status FROM user_mt5_accounts") { result[try row.uuid(0)] = try row.string(1) }
                return result
            }
            #expect(try await statuses() == [first: "active", second: "disabled", third: "disabled"])
            let listed = try await api.call("GET", "/api/accounts/\(second)", token: token).json()
            #expect(listed["disabled_reason"] as? String == "plan")
            #expect((listed["status_text"] as? String)?.contains("free plan") == true)

            // An older event arriving late changes nothing.
            let late = try await Self.deliver(api, Self.event(type: "customer.subscription.updated", created: now - 80,
                object: Self.subscription("sub_9", user: user, status: "active")))
            #expect(try late.json()["result"] as? String == "ignored")
            #expect(try await Self.plan(api, user) == "free")

            // Paid again (no metadata this time: the subscription id finds the user).
            #expect(try await Self.deliver(api, Self.event(type: "customer.subscription.updated", created: now - 10,
                object: Self.subscription("sub_9", user: nil, status: "active"))).status == 200)
            #expect(try await statuses() == [first: "active", second: "active", third: "active"])

            // Cancelled.
            #expect(try await Self.deliver(api, Self.event(type: "customer.subscription.deleted", created: now,
                object: Self.subscription("sub_9", user: user, status: "canceled"))).status == 200)
            #expect(try await Self.plan(api, user) == "free")
            #expect(try await statuses()[third] == "disabled")

            // Deleting the active account lets the plan re-enable the next one.
            #expect(try await api.call("DELETE", "/api/accounts/\(first)", token: token).status == 204)
            #expect(try await statuses() == [second: "active", third: "disabled"])
        }
    }

    @Test("events without a user, of other types, or malformed are answered without effect")
    func otherEvents() async throws {
        try await APIServer.with { api in
            let orphan = try await Self.deliver(api, Self.event(type: "customer.subscription.created",
                object: Self.subscription("sub_orphan", user: nil, status: "active")))
            #expect(orphan.status == 200)
            #expect(try orphan.json()["result"] as? String == "ignored")
            let other = try await Self.deliver(api, Self.event(type: "charge.succeeded", object: ["id": "ch_1"]))
            #expect(try other.json()["result"] as? String == "ignored")
            let junk = try await Self.deliver(api, Data(#"{"hello": "world"}"#.utf8))
            #expect(junk.status == 400)
            #expect(try await api.pool.query("SELECT count(*) FROM subscriptions")[0].int(0) == 0)
        }
    }
}
