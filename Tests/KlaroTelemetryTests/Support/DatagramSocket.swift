import Foundation
import Glibc
import Synchronization

/// A received datagram: its bytes and any descriptors passed with SCM_RIGHTS.
struct Datagram: Sendable {
    var bytes: [UInt8]
    var descriptors: [Int32]
}

enum TestSocketError: Error, CustomStringConvertible {
    case system(String, Int32)
    case timedOut(String)

    var description: String {
        switch self {
        case .system(let call, let code): "\(call) failed: \(String(cString: strerror(code)))"
        case .timedOut(let what): "timed out waiting for \(what)"
        }
    }
}

/// A non-blocking AF_UNIX datagram socket bound at `<fresh temp dir>/<name>`, standing in
/// for journald's or systemd's notification socket. Removes its directory on `close()`.
final class DatagramSocket: Sendable {
    let directory: String
    let path: String
    private let descriptor: Int32

    init(name: String) throws {
        var template = Array("/tmp/klaro-telemetry-XXXXXX".utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw TestSocketError.system("mkdtemp", errno)
        }
        directory = String(cString: created)
        path = directory + "/" + name
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw TestSocketError.system("socket", errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw TestSocketError.system("bind \(path)", errno) }
    }

    /// Returns the next queued datagram, or nil when none is queued.
    func receive() throws -> Datagram? {
        // Learn the datagram's full size first (MSG_TRUNC reports it for AF_UNIX).
        let size = recv(descriptor, nil, 0, Int32(MSG_PEEK | MSG_TRUNC))
        if size < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
            throw TestSocketError.system("recv", errno)
        }
        var bytes = [UInt8](repeating: 0, count: max(size, 1))
        var control = [UInt8](repeating: 0, count: 256)
        let received = bytes.withUnsafeMutableBytes { data in
            control.withUnsafeMutableBytes { controlBytes in
                var vector = iovec(iov_base: data.baseAddress, iov_len: data.count)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = controlBytes.baseAddress
                    message.msg_controllen = controlBytes.count
                    let count = recvmsg(descriptor, &message, Int32(MSG_CMSG_CLOEXEC))
                    return (count, message.msg_controllen)
                }
            }
        }
        guard received.0 >= 0 else { throw TestSocketError.system("recvmsg", errno) }
        return Datagram(
            bytes: Array(bytes.prefix(received.0)),
            descriptors: Self.passedDescriptors(control: control, length: received.1)
        )
    }

    /// Waits (without blocking a thread) until a datagram arrives.
    func receive(timeout: Duration) async throws -> Datagram {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let datagram = try receive() { return datagram }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestSocketError.timedOut("a datagram on \(path)")
    }

    func close() {
        _ = Glibc.close(descriptor)
        unlink(path)
        rmdir(directory)
    }

    /// Reads SCM_RIGHTS descriptors out of a control buffer (the CMSG_* macros are not
    /// available in Swift): each `cmsghdr` is followed by its data, padded to 8 bytes.
    private static func passedDescriptors(control: [UInt8], length: Int) -> [Int32] {
        var descriptors: [Int32] = []
        let headerSize = MemoryLayout<cmsghdr>.size
        var offset = 0
        control.withUnsafeBytes { raw in
            while offset + headerSize <= length {
                let header = raw.loadUnaligned(fromByteOffset: offset, as: cmsghdr.self)
                guard header.cmsg_len >= headerSize else { break }
                if header.cmsg_level == SOL_SOCKET && header.cmsg_type == Int32(SCM_RIGHTS) {
                    let count = (Int(header.cmsg_len) - headerSize) / MemoryLayout<Int32>.size
                    for index in 0..<count {
                        descriptors.append(raw.loadUnaligned(fromByteOffset: offset + headerSize + index * 4, as: Int32.self))
                    }
                }
                offset += (Int(header.cmsg_len) + 7) & ~7
            }
        }
        return descriptors
    }
}

/// Reads a whole file through a descriptor (used for the memfd libsystemd passes for big entries).
func readWholeFile(descriptor: Int32) throws -> [UInt8] {
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw TestSocketError.system("fstat", errno) }
    var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
    var offset = 0
    while offset < bytes.count {
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + offset, $0.count - offset, off_t(offset)) }
        guard count > 0 else { throw TestSocketError.system("pread", errno) }
        offset += count
    }
    return bytes
}

/// A `Mutex` that escaping closures can share (a `Mutex` itself cannot be captured).
final class LockedBox<Value: Sendable>: Sendable {
    let value: Mutex<Value>

    init(_ initial: Value) {
        value = Mutex(initial)
    }
}
