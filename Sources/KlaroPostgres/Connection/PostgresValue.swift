import Foundation

/// A query parameter in PostgreSQL's text format.
///
/// Every value reaches the server as a separate parameter (`$1`, `$2`, …), never spliced into
/// SQL text, so data cannot change a statement's meaning.
public struct PostgresValue: Sendable, Hashable {
    /// The text form, or `nil` for SQL NULL.
    public let text: String?

    public init(text: String?) {
        self.text = text
    }

    public static let null = PostgresValue(text: nil)
}

/// A Swift value that can be sent as a query parameter.
public protocol PostgresBindable: Sendable {
    var postgresValue: PostgresValue { get }
}

/// A Swift value that can be an element of an array parameter (`$1::bigint[]`).
public protocol PostgresArrayElement: PostgresBindable {}

extension PostgresValue: PostgresBindable {
    public var postgresValue: PostgresValue { self }
}

extension String: PostgresArrayElement {
    public var postgresValue: PostgresValue { PostgresValue(text: self) }
}

extension Substring: PostgresArrayElement {
    public var postgresValue: PostgresValue { PostgresValue(text: String(self)) }
}

extension Int: PostgresArrayElement {
    public var postgresValue: PostgresValue { PostgresValue(text: String(self)) }
}

extension Int64: PostgresArrayElement {
    public var postgresValue: PostgresValue { PostgresValue(text: String(self)) }
}

extension Int32: PostgresArrayElement {
    public var postgresValue: PostgresValue { PostgresValue(text: String(self)) }
}

extension UInt64: PostgresArrayElement {
    public var postgresValue: PostgresValue { PostgresValue(text: String(self)) }
}

extension Bool: PostgresArrayElement {
    public var postgresValue: PostgresValue { PostgresValue(text: self ? "t" : "f") }
}

extension Double: PostgresArrayElement {
    /// Shortest round-trip digits; PostgreSQL spells the special values differently.
    public var postgresValue: PostgresValue {
        if isNaN { return PostgresValue(text: "NaN") }
        if isInfinite { return PostgresValue(text: self < 0 ? "-Infinity" : "Infinity") }
        return PostgresValue(text: description)
    }
}

extension UUID: PostgresArrayElement {
    public var postgresValue: PostgresValue { PostgresValue(text: uuidString) }
}

extension Date: PostgresArrayElement {
    /// ISO 8601 in UTC with microseconds, which `timestamptz` parses exactly.
    public var postgresValue: PostgresValue {
        PostgresValue(text: PostgresTimestamp.format(self))
    }
}

extension Optional: PostgresBindable where Wrapped: PostgresBindable {
    public var postgresValue: PostgresValue {
        switch self {
        case .none: .null
        case .some(let value): value.postgresValue
        }
    }
}

extension Optional: PostgresArrayElement where Wrapped: PostgresArrayElement {}

extension Array: PostgresBindable where Element: PostgresArrayElement {
    /// An array literal (`{"a","b",NULL}`). Every element is quoted and escaped so that no
    /// content can break out of it; numbers, booleans and UUIDs, which cannot hold a quote,
    /// are written bare (this runs for every row of a batched write).
    public var postgresValue: PostgresValue {
        var literal: [UInt8] = [UInt8(ascii: "{")]
        literal.reserveCapacity(count * 12 + 2)
        let bare = Element.self is any PostgresBareArrayElement.Type
        for (index, element) in enumerated() {
            if index > 0 { literal.append(UInt8(ascii: ",")) }
            guard let text = element.postgresValue.text else {
                literal.append(contentsOf: "NULL".utf8)
                continue
            }
            if bare {
                literal.append(contentsOf: text.utf8)
                continue
            }
            literal.append(UInt8(ascii: "\""))
            for byte in text.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { literal.append(UInt8(ascii: "\\")) }
                literal.append(byte)
            }
            literal.append(UInt8(ascii: "\""))
        }
        literal.append(UInt8(ascii: "}"))
        return PostgresValue(text: String(decoding: literal, as: UTF8.self))
    }
}

/// Element types whose text never contains a quote, comma, brace, backslash or space, nor
/// the word NULL, so array literals can hold them unquoted.
public protocol PostgresBareArrayElement {}

extension Int: PostgresBareArrayElement {}
extension Int64: PostgresBareArrayElement {}
extension Int32: PostgresBareArrayElement {}
extension UInt64: PostgresBareArrayElement {}
extension Bool: PostgresBareArrayElement {}
extension Double: PostgresBareArrayElement {}
extension UUID: PostgresBareArrayElement {}
extension Optional: PostgresBareArrayElement where Wrapped: PostgresBareArrayElement {}
