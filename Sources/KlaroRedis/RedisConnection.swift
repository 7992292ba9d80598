import CHiredis
import Foundation
import Synchronization

/// One hiredis context. Every call blocks its thread; ``RedisClient`` gives each connection
/// a thread of its own. The raw `redisContext` pointer lives only here, behind a mutex.
final class RedisConnection: @unchecked Sendable {
    /// Touched only under the lock; the pointer is what makes it non-Sendable.
    private struct State: @unchecked Sendable {
        var context: UnsafeMutablePointer<redisContext>?
    }

    private let state = Mutex(State())
    let configuration: RedisConfiguration

    init(configuration: RedisConfiguration) {
        self.configuration = configuration
    }

    deinit {
        close()
    }

    var isConnected: Bool {
        state.withLock { state in
            guard let context = state.context else { return false }
            return context.pointee.err == 0
        }
    }

    /// Opens the connection, authenticates and selects the database.
    func connect() throws(RedisError) {
        close()
        let target = configuration.target
        let timeout = Self.timeval(seconds: configuration.connectTimeout)
        guard let context = redisConnectWithTimeout(configuration.host, Int32(configuration.port), timeout) else {
            throw .connectionFailed(target: target, message: "out of memory")
        }
        if context.pointee.err != 0 {
            let message = Self.errorText(context)
            redisFree(context)
            throw .connectionFailed(target: target, message: message)
        }
        redisSetTimeout(context, Self.timeval(seconds: configuration.commandTimeout))
        Self.closeOnExec(context.pointee.fd)
        state.withLock { $0.context = context }
        do throws(RedisError) {
            if let password = configuration.password {
                var auth = ["AUTH"]
                if let username = configuration.username { auth.append(username) }
                auth.append(password)
                if case .error(let message) = try run(auth.map { Array($0.utf8) }) {
                    // The reply names the failure ("WRONGPASS …"), never the password.
                    throw .connectionFailed(target: target, message: message)
                }
            }
            if configuration.database != 0,
               case .error(let message) = try run([Array("SELECT".utf8), Array(String(configuration.database).utf8)]) {
                throw .connectionFailed(target: target, message: message)
            }
        } catch {
            close()
            throw error
        }
    }

    /// hiredis 0.14 opens its socket without `SOCK_CLOEXEC`: a process spawned meanwhile (a
    /// test's klarod or worker, any helper program) would inherit it and keep the connection
    /// open in Redis after this client closes it.
    private static func closeOnExec(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFD)
        if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
    }

    func close() {
        state.withLock { state in
            if let context = state.context { redisFree(context) }
            state.context = nil
        }
    }

    /// Sends one command and reads its reply. Error replies are returned, not thrown.
    /// - Parameter extraTimeout: seconds added to the reply timeout (for blocking reads).
    func run(_ arguments: [[UInt8]], extraTimeout: Double = 0) throws(RedisError) -> RedisReply {
        try pipeline([arguments], extraTimeout: extraTimeout)[0]
    }

    /// Sends several commands in one write and reads their replies in order.
    func pipeline(_ commands: [[[UInt8]]], extraTimeout: Double = 0) throws(RedisError) -> [RedisReply] {
        try state.withLock { state throws(RedisError) -> [RedisReply] in
            guard let context = state.context, context.pointee.err == 0 else {
                throw .connectionLost(target: configuration.target, message: "not connected")
            }
            if extraTimeout > 0 {
                redisSetTimeout(context, Self.timeval(seconds: configuration.commandTimeout + extraTimeout))
            }
            defer {
                if extraTimeout > 0, context.pointee.err == 0 {
                    redisSetTimeout(context, Self.timeval(seconds: configuration.commandTimeout))
                }
            }
            for command in commands {
                let status = Self.withArgv(command) { argc, argv, lengths in
                    redisAppendCommandArgv(context, argc, argv, lengths)
                }
                guard status == REDIS_OK else {
                    throw .connectionLost(target: configuration.target, message: Self.errorText(context))
                }
            }
            var replies: [RedisReply] = []
            replies.reserveCapacity(commands.count)
            for _ in commands {
                var raw: UnsafeMutableRawPointer?
                guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
                    throw .connectionLost(target: configuration.target, message: Self.errorText(context))
                }
                let reply = raw.assumingMemoryBound(to: redisReply.self)
                replies.append(Self.convert(reply))
                freeReplyObject(raw)
            }
            return replies
        }
    }

    // MARK: hiredis helpers

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STRING:
            return .bulk(bytes(value.str, value.len))
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: bytes(value.str, value.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(value.str, value.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(value.integer))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(value.elements)
            for index in 0..<value.elements {
                if let element = value.element[index] { elements.append(convert(element)) } else { elements.append(.null) }
            }
            return .array(elements)
        default:
            return .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ length: Int) -> [UInt8] {
        guard let pointer, length > 0 else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    private static func withArgv<R>(
        _ arguments: [[UInt8]], _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) -> R {
        let buffers = arguments.map { argument -> UnsafeMutablePointer<CChar> in
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(1, argument.count))
            argument.withUnsafeBufferPointer { source in
                source.withMemoryRebound(to: CChar.self) { chars in
                    if let base = chars.baseAddress { buffer.initialize(from: base, count: argument.count) }
                }
            }
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        var argv: [UnsafePointer<CChar>?] = buffers.map { UnsafePointer($0) }
        let lengths = arguments.map(\.count)
        return argv.withUnsafeMutableBufferPointer { argvBuffer in
            lengths.withUnsafeBufferPointer { lengthBuffer in
                body(Int32(arguments.count), argvBuffer.baseAddress!, lengthBuffer.baseAddress!)
            }
        }
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            let bytes = raw.prefix { $0 != 0 }
            let text = String(decoding: bytes, as: UTF8.self)
            return text.isEmpty ? "I/O error" : text
        }
    }

    private static func timeval(seconds: Double) -> Glibc.timeval {
        let whole = Int(seconds)
        return Glibc.timeval(tv_sec: whole, tv_usec: Int((seconds - Double(whole)) * 1_000_000))
    }
}
