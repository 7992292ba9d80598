import Foundation
import KlaroCore

/// A validated `POST /api/accounts` body.
struct NewAccount: Sendable {
    let login: Int64
    let password: String
    let server: String
    let name: String
    let category: AccountCategory
}

/// A validated `PATCH /api/accounts/{id}` body; nil fields stay as they are.
struct AccountChanges: Sendable {
    var name: String?
    var category: AccountCategory?
    var password: String?
}

/// Checks account bodies field by field and reports every bad field at once (422).
enum AccountInput {
    static let maxPasswordLength = 128
    static let maxServerLength = 128
    static let maxNameLength = 100

    static func newAccount(_ body: [String: JSONValue]) throws -> NewAccount {
        var errors: [HTTPProblem.FieldError] = unknownFields(body, allowed: ["mt5_login", "mt5_password", "mt5_server", "account_name", "account_category"])
        let login = self.login(body["mt5_login"], errors: &errors)
        let password = self.password(body["mt5_password"], required: true, errors: &errors)
        let server = self.server(body["mt5_server"], errors: &errors)
        let name = self.name(body["account_name"], errors: &errors) ?? ""
        let category = self.category(body["account_category"], errors: &errors) ?? .demo
        guard errors.isEmpty, let login, let password, let server else { throw HTTPProblem.invalid(errors) }
        return NewAccount(login: login, password: password, server: server, name: name, category: category)
    }

    static func changes(_ body: [String: JSONValue]) throws -> AccountChanges {
        var errors = unknownFields(body, allowed: ["account_name", "account_category", "mt5_password", "mt5_login", "mt5_server"])
        for field in ["mt5_login", "mt5_server"] where body[field] != nil {
            errors.append(.init(field: field, message: "cannot be changed; delete the account and add it again"))
        }
        var changes = AccountChanges()
        changes.name = name(body["account_name"], errors: &errors)
        changes.category = category(body["account_category"], errors: &errors)
        changes.password = password(body["mt5_password"], required: false, errors: &errors)
        if errors.isEmpty, changes.name == nil, changes.category == nil, changes.password == nil {
            errors.append(.init(field: "body", message: "nothing to change: give account_name, account_category or mt5_password"))
        }
        guard errors.isEmpty else { throw HTTPProblem.invalid(errors) }
        return changes
    }

    // MARK: Fields

    private static func unknownFields(_ body: [String: JSONValue], allowed: Set<String>) -> [HTTPProblem.FieldError] {
        body.keys.filter { !allowed.contains($0) }.sorted().map {
            .init(field: String($0.prefix(64)), message: "unknown field")
        }
    }

    private static func login(_ value: JSONValue?, errors: inout [HTTPProblem.FieldError]) -> Int64? {
        guard let value else {
            errors.append(.init(field: "mt5_login", message: "is required"))
            return nil
        }
        guard case .integer(let login) = value, login > 0 else {
            errors.append(.init(field: "mt5_login", message: "must be a positive whole number (the MT5 account number)"))
            return nil
        }
        return login
    }

    private static func password(_ value: JSONValue?, required: Bool, errors: inout [HTTPProblem.FieldError]) -> String? {
        guard let value else {
            if required { errors.append(.init(field: "mt5_password", message: "is required (the investor password is recommended)")) }
            return nil
        }
        // Messages never repeat the value.
        guard case .string(let password) = value else {
            errors.append(.init(field: "mt5_password", message: "must be a string"))
            return nil
        }
        // Lengths in Unicode code points, as JSON Schema's maxLength counts them.
        guard !password.isEmpty, password.unicodeScalars.count <= maxPasswordLength else {
            errors.append(.init(field: "mt5_password", message: "must be 1 to \(maxPasswordLength) characters"))
            return nil
        }
        guard !password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            errors.append(.init(field: "mt5_password", message: "must not contain control characters"))
            return nil
        }
        return password
    }

    private static func server(_ value: JSONValue?, errors: inout [HTTPProblem.FieldError]) -> String? {
        guard let value else {
            errors.append(.init(field: "mt5_server", message: "is required (the broker server, e.g. Broker-Demo)"))
            return nil
        }
        guard case .string(let raw) = value else {
            errors.append(.init(field: "mt5_server", message: "must be a string"))
            return nil
        }
        let server = raw.trimmingCharacters(in: .whitespaces)
        guard !server.isEmpty, raw.unicodeScalars.count <= maxServerLength, !DisplayText.hasHiddenEffects(raw) else {
            errors.append(.init(field: "mt5_server", message: "must be 1 to \(maxServerLength) printable characters (no control or bidirectional-override characters)"))
            return nil
        }
        return server
    }

    private static func name(_ value: JSONValue?, errors: inout [HTTPProblem.FieldError]) -> String? {
        guard let value else { return nil }
        guard case .string(let raw) = value else {
            errors.append(.init(field: "account_name", message: "must be a string"))
            return nil
        }
        let name = raw.trimmingCharacters(in: .whitespaces)
        guard raw.unicodeScalars.count <= maxNameLength, !DisplayText.hasHiddenEffects(raw) else {
            errors.append(.init(field: "account_name", message: "must be at most \(maxNameLength) printable characters (no control or bidirectional-override characters)"))
            return nil
        }
        return name
    }

    private static func category(_ value: JSONValue?, errors: inout [HTTPProblem.FieldError]) -> AccountCategory? {
        guard let value else { return nil }
        guard let text = value.string, let category = AccountCategory(rawValue: text) else {
            let names = AccountCategory.allCases.map(\.rawValue).joined(separator: ", ")
            errors.append(.init(field: "account_category", message: "must be one of \(names)"))
            return nil
        }
        return category
    }
}
