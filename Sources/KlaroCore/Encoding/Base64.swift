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
        // One pass over contiguous bytes (every caller's arrays): the generic iterator costs
        // a witness call per byte across modules, on the dispatch path for every job.
        if let text = bytes.withContiguousStorageIfAvailable({ encode(buffer: $0, padded: padded) }) { return text }
        return Array(bytes).withUnsafeBufferPointer { encode(buffer: $0, padded: padded) }
    }

    private static func encode(buffer bytes: UnsafeBufferPointer<UInt8>, padded: Bool) -> String {
        let count = bytes.count
        let length = padded ? (count + 2) / 3 * 4 : (count * 4 + 2) / 3
        return String(unsafeUninitializedCapacity: length) { output in
            alphabet.withUnsafeBufferPointer { alphabet in
                var out = 0, index = 0
                while index + 3 <= count {
                    let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
                    output[out] = alphabet[Int(group >> 18 & 0x3F)]
                    output[out + 1] = alphabet[Int(group >> 12 & 0x3F)]
                    output[out + 2] = alphabet[Int(group >> 6 & 0x3F)]
                    output[out + 3] = alphabet[Int(group & 0x3F)]
                    out += 4
                    index += 3
                }
                let left = count - index
                if left > 0 {
                    let second = left == 2 ? UInt32(bytes[index + 1]) : 0
                    let group = UInt32(bytes[index]) << 16 | second << 8
                    output[out] = alphabet[Int(group >> 18 & 0x3F)]
                    output[out + 1] = alphabet[Int(group >> 12 & 0x3F)]
                    out += 2
                    if left == 2 {
                        output[out] = alphabet[Int(group >> 6 & 0x3F)]
                        out += 1
                    } else if padded {
                        output[out] = 0x3D
                        out += 1
                    }
                    if padded {
                        output[out] = 0x3D
                        out += 1
                    }
                }
                return out
            }
        }
    }

    /// Decodes canonical padded base64, or returns nil.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var text = String(text)
        return text.withUTF8 { decode(buffer: $0) }
    }

    private static func decode(buffer characters: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let count = characters.count
        guard count % 4 == 0 else { return nil }
        let padding = count == 0 ? 0 : (characters[count - 1] == 0x3D ? (characters[count - 2] == 0x3D ? 2 : 1) : 0)
        var output = [UInt8]()
        output.reserveCapacity(count / 4 * 3)
        var valid = true
        decodeTable.withUnsafeBufferPointer { table in
            var index = 0
            while index < count {
                let isLast = index + 4 == count
                let used = isLast ? 4 - padding : 4
                var group: UInt32 = 0
                for offset in 0..<used {
                    let value = table[Int(characters[index + offset])]
                    guard value != 0xFF else { valid = false; return }
                    group = group << 6 | UInt32(value)
                }
                group <<= UInt32(6 * (4 - used))
                output.append(UInt8(group >> 16 & 0xFF))
                if used > 2 { output.append(UInt8(group >> 8 & 0xFF)) }
                if used > 3 { output.append(UInt8(group & 0xFF)) }
                // Canonical form: the bits that padding leaves over must be zero.
                if used == 2, group & 0xFFFF != 0 { valid = false; return }
                if used == 3, group & 0xFF != 0 { valid = false; return }
                index += 4
            }
        }
        return valid ? output : nil
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
