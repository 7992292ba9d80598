import Foundation
import Hummingbird
import KlaroCore

/// Path and query parameters of admin requests, validated: a bad query parameter is 422
/// naming it, an unknown path target (host, account) is 404.
struct AdminParameters {
    let request: Request
    let context: KlaroRequestContext

    /// The `{host}` path parameter; 404 if it cannot be a host id.
    func host() throws -> String {
        guard let host = context.parameters.get("host"), ProtocolKeys.isValidHostID(host) else {
            throw HTTPProblem.notFound("host \(context.parameters.get("host") ?? "")")
        }
        return host
    }

    /// The `{id}` path parameter as an account id; 404 if it is not a UUID.
    func accountID() throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else {
            throw HTTPProblem.notFound("account \(context.parameters.get("id") ?? "")")
        }
        return id
    }

    /// A whole-number query parameter within `range`, or `value` when absent.
    func integer(_ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw HTTPProblem.invalid([.init(field: name, message: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")])
        }
        return number
    }

    /// A share such as a utilisation, from `minimum` to 1, or `value` when absent.
    func fraction(_ name: String, default value: Double, minimum: Double) throws -> Double {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let number = Double(text), number.isFinite, number >= minimum, number <= 1 else {
            throw HTTPProblem.invalid([.init(field: name, message: "must be a number from \(minimum) to 1")])
        }
        return number
    }

    /// A `true`/`false` query parameter, or nil when absent.
    func boolean(_ name: String) throws -> Bool? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw HTTPProblem.invalid([.init(field: name, message: "must be true or false")])
        }
    }

    /// A query parameter that must be one of `allowed`, or nil when absent.
    func choice(_ name: String, _ allowed: [String]) throws -> String? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        guard allowed.contains(text) else {
            throw HTTPProblem.invalid([.init(field: name, message: "must be one of \(allowed.joined(separator: ", "))")])
        }
        return text
    }

    /// A free-text query parameter of at most 200 characters (Unicode code points, as JSON
    /// Schema's `maxLength` counts them), or nil when absent or empty.
    func text(_ name: String) throws -> String? {
        guard let text = request.uri.queryParameters.get(name), !text.isEmpty else { return nil }
        guard text.unicodeScalars.count <= 200 else {
            throw HTTPProblem.invalid([.init(field: name, message: "is longer than 200 characters")])
        }
        return text
    }

    /// The operator the request acts for (set by ``AdminAuthMiddleware``).
    var actor: String { context.adminActor ?? "admin" }
}
