import KlaroCore
@testable import KlaroCrypto

/// Bytes from a hex literal in a test vector (spaces allowed for readability).
func bytes(hex: String) -> [UInt8] {
    let digits = Array(hex.filter { !$0.isWhitespace }.utf8)
    precondition(digits.count % 2 == 0, "test vector hex has an odd number of digits")
    return stride(from: 0, to: digits.count, by: 2).map { index in
        UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16)!
    }
}

/// Lower-case hex, for comparing with published vectors.
func hex(_ data: some Sequence<UInt8>) -> String {
    data.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}

func hex(_ secret: SecretBytes) -> String { hex(secret.bytes) }

/// Flips one bit of the byte at `offset` in base64 `text`, returning canonical base64.
func flippingBit(inBase64 text: some StringProtocol, atByte offset: Int, bit: Int = 0) -> String {
    var data = Base64.decode(text)!
    data[offset] ^= UInt8(1) << UInt8(bit)
    return Base64.encode(data)
}
