/// Converts ECDSA P-256 signatures between JWS's r ‖ s and the DER `SEQUENCE { INTEGER r,
/// INTEGER s }` that OpenSSL speaks.
enum ECDSASignature {
    static let componentByteCount = 32

    /// DER from a 64-byte r ‖ s; nil for any other length.
    static func der(fromRaw raw: [UInt8]) -> [UInt8]? {
        guard raw.count == 2 * componentByteCount else { return nil }
        func integer(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
            var value = Array(bytes.drop { $0 == 0 })
            if value.isEmpty || value[0] & 0x80 != 0 { value.insert(0, at: 0) }
            return [0x02, UInt8(value.count)] + value
        }
        let body = integer(raw[0..<componentByteCount]) + integer(raw[componentByteCount...])
        return [0x30, UInt8(body.count)] + body
    }

    /// r ‖ s from DER; nil when it is not a P-256 signature.
    static func raw(fromDER der: [UInt8]) -> [UInt8]? {
        var index = 0
        func read() -> UInt8? {
            guard index < der.count else { return nil }
            defer { index += 1 }
            return der[index]
        }
        guard read() == 0x30, let total = read(), total < 0x80, Int(total) == der.count - 2 else { return nil }
        var output: [UInt8] = []
        for _ in 0..<2 {
            guard read() == 0x02, let length = read(), length > 0, length <= 33, index + Int(length) <= der.count else { return nil }
            let value = der[index..<(index + Int(length))].drop { $0 == 0 }
            index += Int(length)
            guard value.count <= componentByteCount else { return nil }
            output += [UInt8](repeating: 0, count: componentByteCount - value.count) + value
        }
        return index == der.count ? output : nil
    }
}
