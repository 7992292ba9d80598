import Foundation

/// The parts of a Stripe event klarod reads.
struct StripeEvent: Sendable {
    /// A subscription's state, from `customer.subscription.*` events.
    struct Subscription: Sendable, Equatable {
        let id: String
        let customerID: String
        let status: String
        let currentPeriodEnd: Date?
        /// `metadata.user_id`: the Klaro (Supabase) user id the checkout session put there.
        let userID: UUID?
    }

    let id: String
    let type: String
    let created: Date
    let object: [String: JSONValue]

    /// Parses an event body; nil when it is not an event.
    init?(json: JSONValue) {
        guard let id = json["id"]?.string, !id.isEmpty, id.utf8.count <= 255, let type = json["type"]?.string,
              let created = json["created"]?.integer, let object = json["data"]?["object"]?.object
        else { return nil }
        self.id = id
        self.type = type
        self.created = Date(timeIntervalSince1970: Double(created))
        self.object = object
    }

    /// The subscription of a `customer.subscription.*` event.
    var subscription: Subscription? {
        guard let id = object["id"]?.string, let status = object["status"]?.string else { return nil }
        let customer = Self.id(of: object["customer"]) ?? ""
        // API versions before 2025-03-31 carry current_period_end on the subscription; later
        // ones on each item.
        var periodEnd = object["current_period_end"]?.integer
        if periodEnd == nil, case .array(let items)? = object["items"]?["data"] {
            periodEnd = items.compactMap { $0["current_period_end"]?.integer }.max()
        }
        let userID = object["metadata"]?["user_id"]?.string.flatMap(UUID.init(uuidString:))
        return Subscription(
            id: id, customerID: customer, status: status,
            currentPeriodEnd: periodEnd.map { Date(timeIntervalSince1970: Double($0)) }, userID: userID)
    }

    /// The subscription id of an `invoice.*` event (`subscription`, or since 2025-03-31
    /// `parent.subscription_details.subscription`).
    var invoiceSubscriptionID: String? {
        Self.id(of: object["subscription"]) ?? Self.id(of: object["parent"]?["subscription_details"]?["subscription"])
    }

    /// An id field that may be expanded into an object.
    private static func id(of value: JSONValue?) -> String? {
        value?.string ?? value?["id"]?.string
    }
}
