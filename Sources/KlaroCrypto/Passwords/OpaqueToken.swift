import KlaroCore

/// Random bearer strings (refresh tokens, one-time passwords) and the digest they are stored
/// under: the database holds only SHA-256, so a leaked table gives no usable token.
public enum OpaqueToken {
    /// A fresh token of `byteCount` random bytes, hex-encoded.
    public static func generate(byteCount: Int = 32) throws -> Secret {
        Secret(hex(try SecureRandom.bytes(count: byteCount)))
    }

    /// The lowercase hex SHA-256 of the token's UTF-8 bytes, as stored.
    public static func digest(_ token: Secret) throws -> String {
        hex(try SHA256.hash(Array(token.reveal.utf8)))
    }

    /// A password a person can type: `count` characters from an alphabet without look-alikes.
    public static func readablePassword(count: Int = 20) throws -> Secret {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var characters: [Character] = []
        while characters.count < count {
            // Rejection sampling keeps every character equally likely.
            for byte in try SecureRandom.bytes(count: count) where Int(byte) < 256 - 256 % alphabet.count {
                characters.append(alphabet[Int(byte) % alphabet.count])
                if characters.count == count { break }
            }
        }
        return Secret(String(characters))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
