import Foundation

/// Standard base64 (RFC 4648 §4, alphabet `A–Z a–z 0–9 + /`): Klaro's one base64 codec
/// (keys, envelopes, sealed passwords; ``Base64URL`` for JWTs builds on it).
///
/// Decoding is strict and canonical: padding required, no whitespace, no URL-safe
/// characters, unused trailing bits zero. Foundation's decoder accepts oddities such as
/// `"===="`, and every stored value must have exactly one spelling.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, character) in alphabet.enumerated() { table[Int(character)] = UInt8(index) }
        return table
    }()

    /// Encodes `bytes`, with `=` padding unless `padded` is false (ssh-style fingerprints).
    public static func encode(_ bytes: some Collection<UInt8>, padded: Bool = true) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let first = iterator.next() {
            let second = iterator.next()
            let third = iterator.next()
            let group = UInt32(first) << 16 | UInt32(second ?? 0) << 8 | UInt32(third ?? 0)
            output.append(alphabet[Int(group >> 18 & 0x3F)])
            output.append(alphabet[Int(group >> 12 & 0x3F)])
            if second != nil { output.append(alphabet[Int(group >> 6 & 0x3F)]) } else if padded { output.append(0x3D) }
            if third != nil { output.append(alphabet[Int(group & 0x3F)]) } else if padded { output.append(0x3D) }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes canonical padded base64, or returns nil.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(characters.count / 4 * 3)
        var index = 0
        while index < characters.count {
            let isLast = index + 4 == characters.count
            let quad = characters[index..<index + 4]
            let padding = quad.reversed().prefix { $0 == 0x3D }.count
            guard padding == 0 || (isLast && padding <= 2) else { return nil }
            var group: UInt32 = 0
            for character in quad.dropLast(padding) {
                let value = decodeTable[Int(character)]
                guard value != 0xFF else { return nil }
                group = group << 6 | UInt32(value)
            }
            group <<= UInt32(6 * padding)
            output.append(UInt8(group >> 16 & 0xFF))
            if padding < 2 { output.append(UInt8(group >> 8 & 0xFF)) }
            if padding < 1 { output.append(UInt8(group & 0xFF)) }
            // Canonical form: the bits that padding leaves over must be zero.
            if padding == 2, group & 0xFFFF != 0 { return nil }
            if padding == 1, group & 0xFF != 0 { return nil }
            index += 4
        }
        return output
    }
}

/// Base64url without padding (RFC 4648 §5, RFC 7515 §2), the encoding of JWT segments: the
/// standard codec with `-` and `_` for `+` and `/`, and no `=`.
public enum Base64URL {
    /// Decodes unpadded canonical base64url; nil for any other character, or padding.
    public static func decode(_ text: some StringProtocol) -> Data? {
        guard !text.contains(where: { $0 == "=" || $0 == "+" || $0 == "/" }) else { return nil }
        var standard = String(text).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let remainder = standard.utf8.count % 4
        guard remainder != 1 else { return nil }
        if remainder > 0 { standard += String(repeating: "=", count: 4 - remainder) }
        return Base64.decode(standard).map { Data($0) }
    }

    /// Encodes without padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        Base64.encode(bytes, padded: false).replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }
}
