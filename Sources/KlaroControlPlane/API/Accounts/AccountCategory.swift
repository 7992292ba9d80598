/// What kind of MT5 account it is, as the trader labels it (the seed's `account_category`).
enum AccountCategory: String, Sendable, Codable, CaseIterable {
    case demo = "Demo"
    case funded = "Funded"
    case challenge = "Challenge"
    case real = "Real"
}
