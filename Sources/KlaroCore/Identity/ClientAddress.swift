import Foundation

/// Which address a request is charged to (rate limits, lockout, audit log): the peer, or,
/// when the peer is one of the configured proxies, the nearest address in `X-Forwarded-For`
/// that is not a trusted proxy. Anyone else's `X-Forwarded-For` is ignored, so a client
/// cannot choose its own key.
public struct ClientAddress: Sendable {
    public let proxies: [IPNetwork]

    public init(trustedProxies proxies: [IPNetwork] = []) {
        self.proxies = proxies
    }

    /// The client's address, canonical (IPv4-mapped IPv6 written as IPv4).
    public func resolve(peer: String?, forwardedFor: String?) -> String {
        guard let peer, let peerAddress = IPAddress(peer) else { return peer ?? "unknown" }
        guard isTrusted(peerAddress), let forwardedFor else { return peerAddress.description }
        // Right to left: each trusted proxy appended the address it saw.
        var client = peerAddress
        for entry in forwardedFor.split(separator: ",").reversed() {
            guard let address = IPAddress(entry.trimmingCharacters(in: .whitespaces)) else { break }
            client = address
            if !isTrusted(address) { break }
        }
        return client.description
    }

    /// The rate-limit key of an address: IPv4 as is, IPv6 by its /64 (one subscriber's
    /// network, within which a client can pick new addresses freely).
    public static func limiterKey(_ address: String) -> String {
        guard let parsed = IPAddress(address) else { return address }
        guard parsed.bytes.count == 16 else { return parsed.description }
        return IPAddress(bytes: Array(parsed.bytes.prefix(8)) + [UInt8](repeating: 0, count: 8)).description + "/64"
    }

    private func isTrusted(_ address: IPAddress) -> Bool {
        proxies.contains { $0.contains(address) }
    }
}

/// An IPv4 or IPv6 address as bytes (4 or 16).
public struct IPAddress: Sendable, Equatable, CustomStringConvertible {
    public let bytes: [UInt8]

    init(bytes: [UInt8]) {
        // IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address.
        if bytes.count == 16, bytes.prefix(10).allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            self.bytes = Array(bytes.suffix(4))
        } else {
            self.bytes = bytes
        }
    }

    public init?(_ text: String) {
        var text = text
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(bytes: withUnsafeBytes(of: &v4) { Array($0) })
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            self.init(bytes: withUnsafeBytes(of: &v6) { Array($0) })
        } else {
            return nil
        }
    }

    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var bytes = self.bytes
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        _ = bytes.withUnsafeMutableBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) }
        let text = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: text, as: UTF8.self)
    }
}

/// An address range in CIDR notation (`10.0.0.0/8`, `fd00::/8`); a bare address is a /32 or /128.
public struct IPNetwork: Sendable, Equatable {
    public let address: IPAddress
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let address = IPAddress(String(first)) else { return nil }
        let maximum = address.bytes.count * 8
        let length = parts.count == 2 ? Int(parts[1]) : maximum
        guard let length, (0...maximum).contains(length) else { return nil }
        self.address = address
        prefixLength = length
    }

    /// Parses a comma-separated list; the entries that are not networks, for an error message.
    public static func parseList(_ text: String) -> (networks: [IPNetwork], invalid: [String]) {
        var networks: [IPNetwork] = [], invalid: [String] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            if let network = IPNetwork(entry) { networks.append(network) } else { invalid.append(entry) }
        }
        return (networks, invalid)
    }

    public func contains(_ candidate: IPAddress) -> Bool {
        guard candidate.bytes.count == address.bytes.count else { return false }
        var remaining = prefixLength
        for index in address.bytes.indices where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xff << (8 - bits))
            if address.bytes[index] & mask != candidate.bytes[index] & mask { return false }
            remaining -= bits
        }
        return true
    }
}
