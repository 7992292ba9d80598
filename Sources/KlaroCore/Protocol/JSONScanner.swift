import Foundation

/// A strict, allocation-light JSON reader for the protocol's hot path (ingesting results),
/// where Foundation's `JSONDecoder` spends most of the ingest time. It reads exactly RFC 8259
/// JSON (no comments, no trailing commas, no NaN, valid UTF-8, escapes checked) and lets the
/// caller pull typed values field by field.
///
/// Errors say where they happened: `.syntax` for text that is not JSON at all, `.type` for
/// JSON whose values do not have the expected types.
struct JSONScanner {
    enum Failure: Error {
        case syntax(String)
        case type(String)
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    // MARK: Structure

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// The next non-whitespace byte, without consuming it.
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return index < bytes.count ? bytes[index] : nil
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(Failure) {
        guard peek() == byte else { throw .syntax("expected \(what) at byte \(index)") }
        index += 1
    }

    /// Calls `body` for each key of an object, positioned at its value; `body` must read or
    /// skip the value.
    mutating func readObject(_ path: String, _ body: (inout JSONScanner, String) throws(Failure) -> Void) throws(Failure) {
        guard peek() == UInt8(ascii: "{") else { throw .type("\(path): expected an object") }
        index += 1
        if peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            guard peek() == UInt8(ascii: "\"") else { throw .syntax("expected a key at byte \(index)") }
            let key = try readStringToken()
            try expect(UInt8(ascii: ":"), "':'")
            try body(&self, key)
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return
            default: throw .syntax("expected ',' or '}' at byte \(index)")
            }
        }
    }

    /// Calls `body` for each element of an array, positioned at it.
    mutating func readArray(_ path: String, limit: Int, _ body: (inout JSONScanner) throws(Failure) -> Void) throws(Failure) {
        guard peek() == UInt8(ascii: "[") else { throw .type("\(path): expected an array") }
        index += 1
        if peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        var count = 0
        while true {
            count += 1
            guard count <= limit else { throw .type("\(path): more than \(limit) elements") }
            try body(&self)
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return
            default: throw .syntax("expected ',' or ']' at byte \(index)")
            }
        }
    }

    /// Consumes `null` if it comes next.
    mutating func readNull() -> Bool {
        guard peek() == UInt8(ascii: "n") else { return false }
        guard index + 4 <= bytes.count, bytes[index + 1] == UInt8(ascii: "u"), bytes[index + 2] == UInt8(ascii: "l"),
              bytes[index + 3] == UInt8(ascii: "l")
        else { return false }
        index += 4
        return true
    }

    // MARK: Values

    mutating func readString(_ path: String) throws(Failure) -> String {
        guard peek() == UInt8(ascii: "\"") else {
            try skipValue()
            throw .type("\(path): expected a string")
        }
        return try readStringToken()
    }

    mutating func readBool(_ path: String) throws(Failure) -> Bool {
        switch peek() {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        default:
            try skipValue()
            throw .type("\(path): expected true or false")
        }
    }

    /// An integer: digits only (no fraction or exponent), within Int64.
    mutating func readInt(_ path: String) throws(Failure) -> Int64 {
        let (start, end, integral) = try numberToken(path)
        guard integral else { throw .type("\(path): expected an integer") }
        var value: Int64 = 0
        var position = start
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        while position < end {
            let digit = Int64(bytes[position] - 48)
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (added, overflow2) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { throw .type("\(path): integer out of range") }
            value = added
            position += 1
        }
        return value
    }

    mutating func readDouble(_ path: String) throws(Failure) -> Double {
        let (start, end, _) = try numberToken(path)
        // The token was checked against JSON's grammar, so strtod reads exactly it (a JSON
        // number is always followed by a delimiter inside the object, never by more digits).
        var text = [CChar](repeating: 0, count: end - start + 1)
        for offset in 0..<(end - start) { text[offset] = CChar(bitPattern: bytes[start + offset]) }
        let value = strtod(text, nil)
        guard value.isFinite else { throw .type("\(path): number out of range") }
        return value
    }

    /// Skips any value.
    mutating func skipValue() throws(Failure) {
        switch peek() {
        case UInt8(ascii: "{"): try readObject("") { (scanner: inout JSONScanner, _: String) throws(Failure) in try scanner.skipValue() }
        case UInt8(ascii: "["): try readArray("", limit: .max) { (scanner: inout JSONScanner) throws(Failure) in try scanner.skipValue() }
        case UInt8(ascii: "\""): _ = try readStringToken()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case .some: _ = try numberToken("")
        case nil: throw .syntax("unexpected end of input")
        }
    }

    // MARK: Tokens

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw .syntax("unexpected end of input") }
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
        for offset in 0..<count where bytes[index + offset] != expected[offset] {
            throw .syntax("invalid literal at byte \(index)")
        }
        index += count
    }

    /// Scans a number per RFC 8259; returns its span and whether it is an integer.
    private mutating func numberToken(_ path: String) throws(Failure) -> (Int, Int, Bool) {
        skipWhitespace()
        let start = index
        func digit(_ at: Int) -> Bool { at < bytes.count && bytes[at] >= 48 && bytes[at] <= 57 }
        if index < bytes.count && bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard digit(index) else {
            if index < bytes.count, [UInt8(ascii: "\""), UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n")].contains(bytes[index]) {
                try skipValue()
                throw .type("\(path): expected a number")
            }
            throw .syntax("invalid number at byte \(start)")
        }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if digit(index) { throw .syntax("leading zero at byte \(start)") }
        } else {
            while digit(index) { index += 1 }
        }
        var integral = true
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard digit(index) else { throw .syntax("invalid number at byte \(start)") }
            while digit(index) { index += 1 }
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            integral = false
            index += 1
            if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) { index += 1 }
            guard digit(index) else { throw .syntax("invalid number at byte \(start)") }
            while digit(index) { index += 1 }
        }
        guard index < bytes.count else { throw .syntax("unexpected end of input") }
        return (start, index, integral)
    }

    /// Reads a string token (at its opening quote): escapes decoded, UTF-8 validated.
    private mutating func readStringToken() throws(Failure) -> String {
        index += 1
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                guard let text = String(validating: slice, as: UTF8.self) else { throw .syntax("invalid UTF-8 in a string") }
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw .syntax("control character in a string at byte \(index)") }
            index += 1
        }
        var decoded = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: decoded, as: UTF8.self) else { throw .syntax("invalid UTF-8 in a string") }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw .syntax("unexpected end of input") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw .syntax("unpaired surrogate in a string")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw .syntax("unpaired surrogate in a string") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw .syntax("unpaired surrogate in a string")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw .syntax("invalid \\u escape") }
                    decoded.append(contentsOf: String(Character(unicode)).utf8)
                default:
                    throw .syntax("invalid escape at byte \(index - 1)")
                }
            default:
                if byte < 0x20 { throw .syntax("control character in a string at byte \(index)") }
                decoded.append(byte)
                index += 1
            }
        }
        throw .syntax("unterminated string")
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw .syntax("unexpected end of input") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case 48...57: digit = UInt32(byte - 48)
            case 65...70: digit = UInt32(byte - 55)
            case 97...102: digit = UInt32(byte - 87)
            default: throw .syntax("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
