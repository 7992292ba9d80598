/// A secret value (password, token, key) that never prints itself.
///
/// `description`, `debugDescription` and string interpolation all show `[redacted]`, so a
/// secret that ends up in a log line, an error or a response by mistake gives nothing away.
/// Read the value only where it is used, with ``reveal``.
public struct Secret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    public init(_ value: String) {
        self.value = value
    }

    /// The secret itself.
    public var reveal: String { value }

    public var isEmpty: Bool { value.isEmpty }
    public var count: Int { value.utf8.count }

    public var description: String { "[redacted]" }
    public var debugDescription: String { "[redacted]" }
    public var customMirror: Mirror { Mirror(self, children: []) }

    /// Compares with a candidate in time that depends only on the lengths, so that a
    /// timing attack cannot find the secret byte by byte. An empty secret matches nothing.
    public func constantTimeEquals(_ candidate: String) -> Bool {
        let expected = Array(value.utf8)
        // Nothing to compare against (and nothing to index): only the emptiness is revealed.
        guard !expected.isEmpty else { return false }
        let given = Array(candidate.utf8)
        var difference = UInt8(expected.count == given.count ? 0 : 1)
        for index in 0..<given.count {
            difference |= given[index] ^ expected[index % expected.count]
        }
        return difference == 0
    }
}
