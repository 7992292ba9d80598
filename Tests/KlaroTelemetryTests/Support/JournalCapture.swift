import Foundation
import Glibc
import Synchronization

/// Captures what libsystemd's real `sd_journal_sendv` sends, without a running journald.
///
/// libsystemd always sends to `/run/systemd/journal/socket`. The mount namespace is a
/// per-thread attribute on Linux, so a fresh thread can `unshare(CLONE_NEWNS)`, make its mounts
/// private, put a tmpfs on `/run` and bind-mount a temporary directory holding our datagram
/// socket onto `/run/systemd/journal`. Code run on that thread then talks to our socket through
/// the unmodified library; no other thread of the test process (or the host) sees the change,
/// and it disappears when the thread exits. Datagrams are drained while the thread runs, since
/// AF_UNIX datagram queues are short (`net.unix.max_dgram_qlen`) and the sender would block.
enum JournalCapture {
    /// One entry as journald would have received it.
    struct Entry {
        var fields: [NativeJournalProtocol.Field]
        /// True if libsystemd passed the entry in a memfd (SCM_RIGHTS) instead of inline.
        var viaMemfd: Bool
    }

    enum CaptureError: Error, CustomStringConvertible {
        case setup(String, Int32)
        case unexpectedDescriptors(Int)

        var description: String {
            switch self {
            case .setup(let step, let code): "journal capture setup: \(step): \(String(cString: strerror(code)))"
            case .unexpectedDescriptors(let count): "datagram carried \(count) descriptors, expected 0 or 1"
            }
        }
    }

    /// Runs `body` on a thread whose `/run/systemd/journal/socket` is our socket, and returns
    /// every entry that arrived, in order.
    static func capture(_ body: @escaping @Sendable () -> Void) async throws -> [Entry] {
        let socket = try DatagramSocket(name: "socket")
        defer { socket.close() }
        let outcome = LockedBox<Result<Void, CaptureError>?>(nil)
        let directory = socket.directory

        let thread = Thread {
            do {
                try enterPrivateJournalNamespace(bindingDirectory: directory)
                body()
                outcome.value.withLock { $0 = .success(()) }
            } catch let error as CaptureError {
                outcome.value.withLock { $0 = .failure(error) }
            } catch {
                outcome.value.withLock { $0 = .failure(.setup("unexpected \(error)", 0)) }
            }
        }
        thread.start()

        var datagrams: [Datagram] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            while let datagram = try socket.receive() {
                datagrams.append(datagram)
            }
            if let finished = outcome.value.withLock({ $0 }) {
                try finished.get()
                // The sender is done; collect what was queued after the last drain.
                while let datagram = try socket.receive() {
                    datagrams.append(datagram)
                }
                break
            }
            guard ContinuousClock.now < deadline else { throw TestSocketError.timedOut("the journal sender thread") }
            try await Task.sleep(for: .milliseconds(2))
        }
        return try datagrams.map(entry(from:))
    }

    private static func entry(from datagram: Datagram) throws -> Entry {
        switch datagram.descriptors.count {
        case 0:
            return Entry(fields: try NativeJournalProtocol.parse(datagram.bytes), viaMemfd: false)
        case 1:
            defer { close(datagram.descriptors[0]) }
            return Entry(fields: try NativeJournalProtocol.parse(readWholeFile(descriptor: datagram.descriptors[0])), viaMemfd: true)
        default:
            throw CaptureError.unexpectedDescriptors(datagram.descriptors.count)
        }
    }

    private static func enterPrivateJournalNamespace(bindingDirectory directory: String) throws(CaptureError) {
        // unshare(2) is not exported by Swift's Glibc module (it needs _GNU_SOURCE).
        typealias Unshare = @convention(c) (Int32) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "unshare") else { throw .setup("dlsym unshare", ENOSYS) }
        let unshare = unsafeBitCast(symbol, to: Unshare.self)
        let cloneNewMountNamespace: Int32 = 0x0002_0000
        guard unshare(cloneNewMountNamespace) == 0 else { throw .setup("unshare(CLONE_NEWNS)", errno) }
        // Without this, mounts below would propagate back to the host's namespace.
        guard mount("none", "/", nil, UInt(MS_REC | MS_PRIVATE), nil) == 0 else { throw .setup("make / private", errno) }
        guard mount("tmpfs", "/run", "tmpfs", 0, "mode=0755,size=1m") == 0 else { throw .setup("tmpfs on /run", errno) }
        for path in ["/run/systemd", "/run/systemd/journal"] {
            guard mkdir(path, 0o755) == 0 else { throw .setup("mkdir \(path)", errno) }
        }
        guard mount(directory, "/run/systemd/journal", nil, UInt(MS_BIND), nil) == 0 else {
            throw .setup("bind \(directory) on /run/systemd/journal", errno)
        }
    }
}
