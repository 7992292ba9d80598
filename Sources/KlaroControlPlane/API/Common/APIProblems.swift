import Foundation
import HTTPTypes

/// Problems the traders' API answers besides the common ones in ``HTTPProblem``.
extension HTTPProblem {
    /// The caller's plan does not allow this (402, `plan_limit`), naming the limit.
    static func planLimit(_ limit: String, message: String) -> HTTPProblem {
        HTTPProblem(.init(code: 402, reasonPhrase: "Payment Required"), code: "plan_limit", message: message,
                    fields: [FieldError(field: limit, message: "limit of the free plan; upgrade to pro for unlimited")])
    }

    static func conflict(_ code: String, _ message: String) -> HTTPProblem {
        HTTPProblem(.conflict, code: code, message: message)
    }

    /// 429 with `Retry-After` in whole seconds (at least 1).
    static func tooManyRequests(_ code: String, _ message: String, retryAfter seconds: Double) -> HTTPProblem {
        let whole = max(1, Int(seconds.rounded(.up)))
        return HTTPProblem(.tooManyRequests, code: code, message: message, headers: [.retryAfter: String(whole)])
    }
}
