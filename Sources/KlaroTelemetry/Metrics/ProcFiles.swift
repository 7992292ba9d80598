import Glibc

/// Reading and parsing the Linux `/proc` files behind ``ProcessSnapshot``; the parsers are
/// plain functions of the file text so that they can be tested on fixed samples.
enum ProcFiles {
    struct Stat: Equatable {
        var userTicks: UInt64
        var systemTicks: UInt64
        var startTicks: UInt64
    }

    struct Memory: Equatable {
        var residentBytes: Double
        var virtualBytes: Double
    }

    /// Reads a whole `/proc` file (their reported size is 0, so read until EOF).
    static func read(_ path: String) throws(ProcessSnapshot.ReadError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(path: path, errno: errno) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes.append(contentsOf: chunk[0..<count])
            } else if count == 0 {
                break
            } else if errno != EINTR {
                throw .unreadable(path: path, errno: errno)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `/proc/self/stat`: utime (field 14), stime (15) and starttime (22), in clock ticks.
    /// The command name (field 2) may hold spaces and parentheses, so fields are counted from
    /// the last `)`.
    static func parseStat(_ text: String) throws(ProcessSnapshot.ReadError) -> Stat {
        guard let close = text.lastIndex(of: ")") else { throw .malformed(path: "/proc/self/stat") }
        // After ")" come fields 3, 4, …: field n is at index n - 3.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19,
            let user = UInt64(fields[14 - 3]),
            let system = UInt64(fields[15 - 3]),
            let start = UInt64(fields[22 - 3])
        else { throw .malformed(path: "/proc/self/stat") }
        return Stat(userTicks: user, systemTicks: system, startTicks: start)
    }

    /// `/proc/self/status`: `VmRSS` and `VmSize`, given in kB (KiB).
    static func parseStatusMemory(_ text: String) throws(ProcessSnapshot.ReadError) -> Memory {
        var resident: Double?
        var virtual: Double?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("VmRSS:") {
                resident = kibibytes(line)
            } else if line.hasPrefix("VmSize:") {
                virtual = kibibytes(line)
            }
        }
        guard let resident, let virtual else { throw .malformed(path: "/proc/self/status") }
        return Memory(residentBytes: resident * 1024, virtualBytes: virtual * 1024)
    }

    /// `/proc/stat`: `btime`, the boot time in seconds since 1970.
    static func parseBootTime(_ text: String) throws(ProcessSnapshot.ReadError) -> Double {
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            if let value = Double(line.dropFirst("btime ".count).trimmingCharacters(in: " ")) {
                return value
            }
        }
        throw .malformed(path: "/proc/stat")
    }

    /// `/proc/self/limits`: the soft limit of "Max open files" (`unlimited` → +Inf).
    static func parseMaxOpenFiles(_ text: String) throws(ProcessSnapshot.ReadError) -> Double {
        for line in text.split(separator: "\n") where line.hasPrefix("Max open files") {
            let columns = line.dropFirst("Max open files".count).split(separator: " ")
            guard let soft = columns.first else { break }
            if soft == "unlimited" { return .infinity }
            if let value = Double(soft) { return value }
        }
        throw .malformed(path: "/proc/self/limits")
    }

    /// Counts entries of `/proc/self/fd`, leaving out the descriptor used to list them.
    static func countOpenDescriptors() throws(ProcessSnapshot.ReadError) -> Int {
        guard let directory = opendir("/proc/self/fd") else {
            throw .unreadable(path: "/proc/self/fd", errno: errno)
        }
        defer { closedir(directory) }
        let listingDescriptor = dirfd(directory)
        var count = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name != ".", name != "..", Int32(name) != listingDescriptor else { continue }
            count += 1
        }
        return count
    }

    private static func kibibytes(_ line: Substring) -> Double? {
        let columns = line.split(separator: " ", omittingEmptySubsequences: true).flatMap { $0.split(separator: "\t") }
        guard columns.count >= 2 else { return nil }
        return Double(columns[1])
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in character: Character) -> Substring {
        var result = self
        while result.first == character { result = result.dropFirst() }
        while result.last == character { result = result.dropLast() }
        return result
    }
}
