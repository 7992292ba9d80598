/// A parser for journald's native protocol (systemd's "Native Journal Protocol" document),
/// written independently of the code under test: each field is either `NAME=value\n`, or, when
/// the value may hold newlines, `NAME\n` + little-endian 64-bit length + value + `\n`.
enum NativeJournalProtocol {
    struct Field: Equatable {
        var name: String
        var value: [UInt8]
        /// True when the field used the binary (length-prefixed) form.
        var binary: Bool

        var text: String { String(decoding: value, as: UTF8.self) }
    }

    enum ParseError: Error, Equatable {
        case truncated(at: Int)
        case missingTerminator(at: Int)
    }

    static func parse(_ bytes: [UInt8]) throws -> [Field] {
        var fields: [Field] = []
        var position = 0
        while position < bytes.count {
            guard let end = bytes[position...].firstIndex(where: { $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "\n") }) else {
                throw ParseError.truncated(at: position)
            }
            let name = String(decoding: bytes[position..<end], as: UTF8.self)
            if bytes[end] == UInt8(ascii: "=") {
                guard let newline = bytes[(end + 1)...].firstIndex(of: UInt8(ascii: "\n")) else {
                    throw ParseError.missingTerminator(at: end)
                }
                fields.append(Field(name: name, value: Array(bytes[(end + 1)..<newline]), binary: false))
                position = newline + 1
            } else {
                let lengthStart = end + 1
                guard lengthStart + 8 <= bytes.count else { throw ParseError.truncated(at: lengthStart) }
                var length = 0
                for index in 0..<8 {
                    length |= Int(bytes[lengthStart + index]) << (8 * index)
                }
                let valueStart = lengthStart + 8
                guard valueStart + length < bytes.count else { throw ParseError.truncated(at: valueStart) }
                guard bytes[valueStart + length] == UInt8(ascii: "\n") else {
                    throw ParseError.missingTerminator(at: valueStart + length)
                }
                fields.append(Field(name: name, value: Array(bytes[valueStart..<(valueStart + length)]), binary: true))
                position = valueStart + length + 1
            }
        }
        return fields
    }
}

extension Array where Element == NativeJournalProtocol.Field {
    /// The value of the only field called `name`, as text (nil if absent or repeated).
    subscript(field name: String) -> String? {
        let matches = filter { $0.name == name }
        return matches.count == 1 ? matches[0].text : nil
    }
}
