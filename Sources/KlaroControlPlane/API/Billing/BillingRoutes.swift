import Foundation
import HTTPTypes
import Hummingbird
import KlaroCore
import Logging

/// `POST /api/billing/stripe-webhook`: Stripe's deliveries, authenticated by their signature
/// (not by a user token).
struct BillingRoutes: Sendable {
    /// Stripe events are small; this leaves room for large subscription objects.
    static let maxBody = 256 * 1024

    let repository: BillingRepository
    let secret: Secret?

    func register(on router: Router<KlaroRequestContext>) {
        let repository = self.repository
        let signature = secret.map { StripeSignature(secret: $0) }
        router.post("/api/billing/stripe-webhook") { request, context in
            guard let signature else {
                throw HTTPProblem.unavailable("billing is not configured (KLARO_STRIPE_WEBHOOK_SECRET)")
            }
            let body = try await RequestBody.bytes(request, limit: Self.maxBody)
            do {
                try signature.verify(header: request.headers[.stripeSignature], body: body)
            } catch let error as StripeSignature.Failure {
                context.logger.warning("Stripe webhook refused", metadata: ["reason": "\(error)"])
                throw HTTPProblem(.badRequest, code: "bad_signature", message: error.description)
            }
            guard let json = try? JSONValue.parse(body), let event = StripeEvent(json: json) else {
                throw HTTPProblem.badRequest("the body is not a Stripe event (id, type, created, data.object)")
            }
            let result = try await repository.apply(event)
            context.logger.info("Stripe event", metadata: ["event": "\(event.id)", "type": "\(event.type)", "result": "\(result)"])
            return JSONResponse(WebhookReply(result: result))
        }
    }
}

/// What the webhook answers Stripe (any 2xx stops its retries).
struct WebhookReply: Encodable, Sendable {
    let received = true
    let result: String
    let detail: String?

    init(result: BillingRepository.Result) {
        switch result {
        case .applied: self.result = "applied"; detail = nil
        case .duplicate: self.result = "duplicate"; detail = "this event id was already handled"
        case .ignored(let why): self.result = "ignored"; detail = why
        }
    }
}

extension HTTPField.Name {
    static let stripeSignature = HTTPField.Name("Stripe-Signature")!
}
