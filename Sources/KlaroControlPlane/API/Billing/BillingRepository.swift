import Foundation
import KlaroPostgres

/// Applies Stripe events to `subscriptions`, once per event id, and keeps the user's accounts
/// in line with the resulting plan (`klaro_apply_plan`).
struct BillingRepository: Sendable {
    enum Result: Sendable, Equatable {
        case applied
        case duplicate
        case ignored(String)
    }

    static let subscriptionStatuses: Set<String> = [
        "active", "trialing", "past_due", "canceled", "incomplete", "incomplete_expired", "unpaid", "paused",
    ]

    let pool: PostgresPool

    func apply(_ event: StripeEvent) async throws -> Result {
        try await pool.transaction { connection in
            let inserted = try connection.execute(
                "INSERT INTO stripe_events (event_id, type) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING",
                [event.id, String(event.type.prefix(255))]
            )
            guard inserted == 1 else { return .duplicate }
            switch event.type {
            case "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted":
                return try applySubscription(event, connection: connection)
            case "invoice.payment_failed":
                return try applyPaymentFailure(event, connection: connection)
            default:
                return .ignored("event type \(event.type.prefix(64)) is not used")
            }
        }
    }

    private func applySubscription(_ event: StripeEvent, connection: PostgresConnection) throws -> Result {
        guard let subscription = event.subscription else { return .ignored("the event has no subscription id and status") }
        var status = subscription.status
        if event.type == "customer.subscription.deleted" { status = "canceled" }
        guard Self.subscriptionStatuses.contains(status) else { return .ignored("unknown subscription status") }
        guard let userID = try user(of: subscription, connection: connection) else {
            return .ignored("no Klaro user: set metadata.user_id on the subscription")
        }
        try connection.query("INSERT INTO users (id) VALUES ($1) ON CONFLICT (id) DO NOTHING", [userID])
        let rows = try connection.query(
            """
            INSERT INTO subscriptions
                (user_id, stripe_subscription_id, stripe_customer_id, status, plan, current_period_end, stripe_event_at)
            VALUES ($1, $2, $3, $4, 'pro', $5, $6)
            ON CONFLICT (stripe_subscription_id) DO UPDATE SET
                status = EXCLUDED.status,
                stripe_customer_id = CASE WHEN EXCLUDED.stripe_customer_id = '' THEN subscriptions.stripe_customer_id
                                          ELSE EXCLUDED.stripe_customer_id END,
                current_period_end = COALESCE(EXCLUDED.current_period_end, subscriptions.current_period_end),
                stripe_event_at = EXCLUDED.stripe_event_at,
                updated_at = now()
            WHERE subscriptions.stripe_event_at IS NULL OR subscriptions.stripe_event_at <= EXCLUDED.stripe_event_at
            RETURNING user_id
            """,
            [userID, subscription.id, subscription.customerID, status, subscription.currentPeriodEnd, event.created]
        )
        guard let row = rows.first else { return .ignored("a newer event already updated this subscription") }
        try connection.query("SELECT klaro_apply_plan($1)", [try row.uuid(0)])
        return .applied
    }

    private func applyPaymentFailure(_ event: StripeEvent, connection: PostgresConnection) throws -> Result {
        guard let subscriptionID = event.invoiceSubscriptionID else { return .ignored("the invoice is not for a subscription") }
        let rows = try connection.query(
            """
            UPDATE subscriptions SET status = 'past_due', stripe_event_at = $2, updated_at = now()
            WHERE stripe_subscription_id = $1 AND status IN ('active', 'trialing')
              AND (stripe_event_at IS NULL OR stripe_event_at <= $2)
            RETURNING user_id
            """,
            [subscriptionID, event.created]
        )
        guard let row = rows.first else { return .ignored("no active subscription to mark past due") }
        try connection.query("SELECT klaro_apply_plan($1)", [try row.uuid(0)])
        return .applied
    }

    /// The user a subscription belongs to: `metadata.user_id`, else the user already linked
    /// to this subscription or customer.
    private func user(of subscription: StripeEvent.Subscription, connection: PostgresConnection) throws -> UUID? {
        if let userID = subscription.userID { return userID }
        let rows = try connection.query(
            """
            SELECT user_id FROM subscriptions
            WHERE stripe_subscription_id = $1 OR (stripe_customer_id = $2 AND $2 <> '')
            ORDER BY (stripe_subscription_id = $1) DESC, updated_at DESC LIMIT 1
            """,
            [subscription.id, subscription.customerID]
        )
        return try rows.first?.uuid(0)
    }
}
