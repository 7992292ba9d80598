import Foundation

/// The built-in identity's password rules: 10 to 128 characters, and not the email address.
/// Characters are Unicode code points, as JSON Schema's `minLength`/`maxLength` count them (the
/// API description promises the same limits), not Swift's grapheme clusters: "\r\n" is two.
public enum PasswordPolicy {
    public static let minimumLength = 10
    public static let maximumLength = 128

    /// Why `password` is refused for `email`, or nil when it is acceptable. The message never
    /// repeats the password.
    public static func problem(_ password: Secret, email: String) -> String? {
        let text = password.reveal
        let length = text.unicodeScalars.count
        if length < minimumLength { return "the password must have at least \(minimumLength) characters" }
        if length > maximumLength { return "the password must have at most \(maximumLength) characters" }
        let folded = text.lowercased()
        if folded == email.lowercased() || folded == email.lowercased().split(separator: "@").first.map(String.init) {
            return "the password must not be the email address"
        }
        return nil
    }
}

/// An email address as the built-in identity keys it: trimmed and lowercased.
public enum EmailAddress {
    /// The normalised address, or nil when it is not a plausible `local@domain` address.
    public static func normalize(_ text: String) -> String? {
        let email = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard (3...254).contains(email.utf8.count) else { return nil }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64 else { return nil }
        let domain = parts[1]
        guard domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..") else { return nil }
        let allowed = email.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && scalar.value < 0x7f && !"()<>[]\\,;:\" ".unicodeScalars.contains(scalar)
        }
        return allowed ? email : nil
    }
}
