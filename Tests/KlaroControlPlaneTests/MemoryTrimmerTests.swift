#if canImport(Glibc)
import Glibc
#endif
import CMalloc
import Foundation
import KlaroControlPlane
import KlaroTestSupport
import Synchronization
import Testing

@Suite("klarod returns freed heap memory to the kernel")
struct MemoryTrimmerTests {
    /// Resident bytes of this process (/proc/self/statm counts pages).
    private static func residentBytes() -> Int {
        let fields = ((try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? "").split(separator: " ")
        return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The shape of a burst: 64 MB in 64 KB blocks, each followed by a small block that stays
    /// (as long-lived objects do), so no freed block reaches the top of its heap and glibc's
    /// free() keeps every page of them. Only the trim gives them back. The burst runs on a
    /// thread of its own, so its arena is not the one that tests running in parallel allocate
    /// from (they would reuse the freed blocks).
    @Test("after a burst is freed, releaseFreeHeap gives its pages back")
    func trimReleasesAFreedBurst() {
        let measured = Mutex<(before: Int, after: Int)?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let blockSize = 64 * 1024, blocks = 1024
            var burst: [UnsafeMutableRawPointer] = [], pins: [UnsafeMutableRawPointer] = []
            for _ in 0..<blocks {
                guard let block = malloc(blockSize), let pin = malloc(32) else { break }
                memset(block, 1, blockSize)
                burst.append(block)
                pins.append(pin)
            }
            if burst.count == blocks {
                burst.forEach { free($0) }
                let beforeTrim = Self.residentBytes()
                MemoryTrimmer.releaseFreeHeap()
                measured.withLock { $0 = (beforeTrim, Self.residentBytes()) }
            } else {
                burst.forEach { free($0) }
            }
            pins.forEach { free($0) }
            done.signal()
        }
        thread.start()
        done.wait()
        guard let (beforeTrim, afterTrim) = measured.withLock({ $0 }) else {
            Issue.record("malloc failed")
            return
        }
        // 64 MB were freed; at least half of it must leave the resident set.
        #expect(beforeTrim - afterTrim > 32 * 1024 * 1024, "RSS \(beforeTrim) -> \(afterTrim) bytes")
    }

    @Test("the allocator gets fixed thresholds and one heap per core (at least 2), unless the environment sets them")
    func allocatorSettingsHonourTheEnvironment() {
        let all = MemoryTrimmer.allocatorSettings(environment: [:], cores: 8)
        #expect(all.map(\.option) == [M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, M_ARENA_MAX])
        #expect(all.map(\.value) == [256 * 1024, 1024 * 1024, 8])
        #expect(MemoryTrimmer.allocatorSettings(environment: [:], cores: 1).last?.value == 2)
        let set = MemoryTrimmer.allocatorSettings(
            environment: ["MALLOC_ARENA_MAX": "4", "MALLOC_MMAP_THRESHOLD_": "131072"], cores: 8)
        #expect(set.map(\.option) == [M_TRIM_THRESHOLD])
    }

    @Test("the trimmer runs every interval until shutdown")
    func runsEveryIntervalUntilCancelled() async throws {
        let rounds = Atomic<Int>(0)
        let trimmer = MemoryTrimmer(interval: .milliseconds(5), logger: TestServices.logger()) {
            rounds.add(1, ordering: .relaxed)
        }
        let running = Task { try await trimmer.run() }
        for _ in 0..<2000 where rounds.load(ordering: .relaxed) < 3 {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(rounds.load(ordering: .relaxed) >= 3)
        running.cancel()
        try await running.value
        let stopped = rounds.load(ordering: .relaxed)
        try await Task.sleep(for: .milliseconds(50))
        #expect(rounds.load(ordering: .relaxed) == stopped)
    }
}
