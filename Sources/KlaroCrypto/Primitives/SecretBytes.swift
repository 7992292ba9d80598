import COpenSSL

/// Key material held in its own heap buffer, wiped with `OPENSSL_cleanse` when the last
/// copy is released. Copies share the buffer; nothing mutates it after initialisation.
struct SecretBytes: Sendable {
    private let storage: Storage

    /// Allocates `count` bytes and lets `initialize` fill all of them.
    init<E: Error>(
        count: Int,
        initializingWith initialize: (UnsafeMutableRawBufferPointer) throws(E) -> Void
    ) throws(E) {
        let storage = Storage(count: count)
        try initialize(storage.buffer)
        self.storage = storage
    }

    /// Copies `bytes`; the caller stays responsible for wiping its own copy.
    init(copying bytes: some Collection<UInt8>) {
        storage = Storage(count: bytes.count)
        _ = storage.buffer.initializeMemory(as: UInt8.self, from: bytes)
    }

    /// Takes over `bytes` and zeroes the array, so the only copy left is this one.
    init(wiping bytes: inout [UInt8]) {
        self.init(copying: bytes)
        wipe(&bytes)
    }

    /// `count` bytes from the OpenSSL random generator.
    static func random(count: Int) throws(CryptoPrimitiveError) -> SecretBytes {
        try SecretBytes(count: count) { (buffer) throws(CryptoPrimitiveError) in
            try SecureRandom.fill(buffer)
        }
    }

    var count: Int { storage.buffer.count }

    /// Lends the bytes for the duration of `body`; do not let the pointer escape.
    func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(storage.buffer))
    }

    /// A plain copy, for APIs that hand raw keys to callers (e.g. `X25519KeyPair.privateKey`).
    var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Constant-time equality (`CRYPTO_memcmp`).
    func constantTimeEquals(_ other: SecretBytes) -> Bool {
        guard count == other.count else { return false }
        guard count > 0 else { return true }
        return withUnsafeBytes { mine in
            other.withUnsafeBytes { theirs in
                CRYPTO_memcmp(mine.baseAddress, theirs.baseAddress, mine.count) == 0
            }
        }
    }

    /// Owns the buffer. `@unchecked Sendable`: the buffer is written only in `init`
    /// (before the reference is shared) and only read afterwards.
    private final class Storage: @unchecked Sendable {
        let buffer: UnsafeMutableRawBufferPointer

        init(count: Int) {
            buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 0), alignment: 16)
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
        }

        deinit {
            if let base = buffer.baseAddress, buffer.count > 0 {
                OPENSSL_cleanse(base, buffer.count)
            }
            buffer.deallocate()
        }
    }
}

/// Overwrites an array's bytes with zeros in a way the optimiser keeps.
func wipe(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { buffer in
        if let base = buffer.baseAddress, buffer.count > 0 {
            OPENSSL_cleanse(base, buffer.count)
        }
    }
}
