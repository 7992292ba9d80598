import Foundation
import KlaroCore
import KlaroCrypto
import KlaroRedis
import Synchronization

/// What a scripted slot does with a job.
public enum ScriptedOutcome: Sendable {
    /// Answers `ok` with this data after `delay`.
    case ok(account: AccountInfo, positions: [TradePosition], deals: [TradeDeal], delay: Duration = .zero)
    /// Answers `ok` with this data and the optional `server_clock` and `symbols` fields.
    case okReporting(
        account: AccountInfo, positions: [TradePosition], deals: [TradeDeal], serverClock: ServerClockSample?,
        symbols: [SymbolSpec]?)
    /// Answers with a failure outcome and MT5 error after `delay`.
    case failure(outcome: String, code: Int, message: String, delay: Duration = .zero)
    /// Never answers and never acknowledges (a worker killed mid-job).
    case vanish
}

/// A worker host that speaks protocol v1 (docs/protocol.md) with scripted outcomes: it
/// registers, heartbeats, reads each slot's stream, opens sealed passwords with its key, and
/// answers each job as `script` says. The real worker is Python (`worker/`); this one lets the
/// Swift tests drive klarod end to end with exact control.
public final class TestWorkerHost: Sendable {
    public typealias Script = @Sendable (_ job: JobMessage, _ password: String, _ slot: Int) async -> ScriptedOutcome

    public let host: String
    public let slots: Int
    public let keyPair: X25519KeyPair
    private let redisURL: String
    private let script: Script
    private let heartbeatInterval: Duration
    private let tasks = Mutex<[Task<Void, Never>]>([])
    private let stopped = Atomic<Bool>(false)
    /// Every password the host opened, for tests that check what workers saw.
    public let passwords = Mutex<[UUID: String]>([:])
    /// Jobs taken and never answered (``ScriptedOutcome/vanish``).
    public let vanished = Mutex<[UUID]>([])

    /// - Parameter keyPair: the host's key (a new one by default; pass an old host's to restart it).
    public init(
        host: String, slots: Int, redisURL: String, heartbeatInterval: Duration = .seconds(1), keyPair: X25519KeyPair? = nil,
        script: @escaping Script
    ) throws {
        self.host = host
        self.slots = slots
        self.redisURL = redisURL
        self.script = script
        self.heartbeatInterval = heartbeatInterval
        self.keyPair = try keyPair ?? X25519KeyPair.generate()
    }

    /// Registers the host and starts every slot.
    public func start() async throws {
        let client = try client()
        let registration = HostRegistration(
            host: host, slots: slots, publicKey: keyPair.publicKeyBase64, version: "test-worker 1",
            startedAt: EpochMilliseconds.from(Date())
        )
        try await client.set(ProtocolKeys.host(host), String(decoding: try JSONEncoder().encode(registration), as: UTF8.self))
        await client.close()
        var started: [Task<Void, Never>] = []
        for slot in 1...slots {
            let state = SlotState()
            started.append(Task { await self.heartbeat(slot: slot, state: state) })
            started.append(Task { await self.work(slot: slot, state: state) })
        }
        tasks.withLock { $0 += started }
    }

    /// Stops every slot at once, leaving unacknowledged jobs pending (like `kill -9`).
    public func kill() async {
        stopped.store(true, ordering: .releasing)
        let running = tasks.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in running { task.cancel() }
        for task in running { await task.value }
    }

    private func client() throws -> RedisClient {
        RedisClient(configuration: try RedisConfiguration(url: redisURL), logger: TestServices.logger("test-worker"))
    }

    private final class SlotState: Sendable {
        let job = Mutex<UUID?>(nil)
    }

    private func heartbeat(slot: Int, state: SlotState) async {
        guard let client = try? client() else { return }
        while !Task.isCancelled && !stopped.load(ordering: .acquiring) {
            let job = state.job.withLock { $0 }
            let beat = Heartbeat(
                host: host, slot: slot, state: job == nil ? .idle : .busy, jobID: job, terminalBuild: 5200,
                terminalConnected: true, ts: EpochMilliseconds.from(Date()), pid: Int(getpid()), restarts: 0
            )
            if let text = try? JSONEncoder().encode(beat) {
                try? await client.set(ProtocolKeys.heartbeat(host, slot), String(decoding: text, as: UTF8.self), expireSeconds: 15)
            }
            try? await Task.sleep(for: heartbeatInterval)
        }
        await client.close()
    }

    private func work(slot: Int, state: SlotState) async {
        guard let client = try? client() else { return }
        let stream = ProtocolKeys.queue(host, slot)
        let consumer = "\(host):\(slot)"
        try? await client.createGroup(stream: stream, group: ProtocolKeys.slotGroup)
        while !Task.isCancelled && !stopped.load(ordering: .acquiring) {
            guard let entries = try? await client.readGroup(
                stream: stream, group: ProtocolKeys.slotGroup, consumer: consumer, count: 1, blockMilliseconds: 200
            ) else {
                try? await Task.sleep(for: .milliseconds(100))
                continue
            }
            for entry in entries {
                guard let text = entry.string("job"), let job = try? JSONDecoder().decode(JobMessage.self, from: Data(text.utf8)) else {
                    _ = try? await client.ack(stream: stream, group: ProtocolKeys.slotGroup, ids: [entry.id])
                    continue
                }
                state.job.withLock { $0 = job.jobID }
                let started = EpochMilliseconds.from(Date())
                let password = (try? HostSeal.open(job.passwordSealed, privateKey: keyPair.privateKey, binding: SealBinding(
                    jobID: job.jobID, accountID: job.accountID, login: job.login, server: job.server))) ?? ""
                passwords.withLock { $0[job.jobID] = password }
                let outcome = await script(job, password, slot)
                switch outcome {
                case .ok(_, _, _, let delay), .failure(_, _, _, let delay):
                    if delay > .zero { try? await Task.sleep(for: delay) }
                case .okReporting, .vanish:
                    break
                }
                if case .vanish = outcome {
                    vanished.withLock { $0.append(job.jobID) }
                    state.job.withLock { $0 = nil }
                    continue
                }
                let result = makeResult(job: job, slot: slot, started: started, outcome: outcome)
                _ = try? await client.xadd(stream: ProtocolKeys.results, maxLength: 1_000_000, fields: [("result", result)])
                _ = try? await client.ack(stream: stream, group: ProtocolKeys.slotGroup, ids: [entry.id])
                state.job.withLock { $0 = nil }
            }
        }
        await client.close()
    }

    private func makeResult(job: JobMessage, slot: Int, started: Int64, outcome: ScriptedOutcome) -> String {
        var result = TestResultMessage(
            job_id: job.jobID.uuidString.lowercased(), account_id: job.accountID.uuidString.lowercased(), host: host,
            slot: slot, fence: job.fence, started_at: started, finished_at: started, outcome: "ok", mt5_error: nil,
            login_ms: nil, fetch_ms: nil, account: nil, positions: nil, deals: nil,
            terminal: TerminalSummary(build: 5200, connected: true, pingLast: 40_000)
        )
        switch outcome {
        case .ok(let account, let positions, let deals, _):
            result.mt5_error = .init(code: 1, message: "Success")
            result.login_ms = 120
            result.fetch_ms = 30
            result.account = account
            result.positions = positions
            result.deals = deals
        case .okReporting(let account, let positions, let deals, let serverClock, let symbols):
            result.mt5_error = .init(code: 1, message: "Success")
            result.account = account
            result.positions = positions
            result.deals = deals
            result.server_clock = serverClock
            result.symbols = symbols
        case .failure(let outcome, let code, let message, _):
            result.outcome = outcome
            result.mt5_error = .init(code: code, message: message)
            result.login_ms = outcome == "auth_failed" ? 300 : nil
        case .vanish:
            break
        }
        result.finished_at = max(started, EpochMilliseconds.from(Date()))
        let encoder = JSONEncoder()
        return String(decoding: (try? encoder.encode(result)) ?? Data(), as: UTF8.self)
    }
}

/// A result as a worker writes it (field names as on the wire).
public struct TestResultMessage: Encodable, Sendable {
    public var v = 1
    public var job_id: String
    public var account_id: String
    public var host: String
    public var slot: Int
    public var fence: Int64
    public var started_at: Int64
    public var finished_at: Int64
    public var outcome: String
    public var mt5_error: ResultMessage.MT5Error?
    public var login_ms: Int64?
    public var fetch_ms: Int64?
    public var account: AccountInfo?
    public var positions: [TradePosition]?
    public var deals: [TradeDeal]?
    public var terminal: TerminalSummary?
    /// Optional fields, written only when set.
    public var server_clock: ServerClockSample?
    public var symbols: [SymbolSpec]?

    public init(
        job_id: String, account_id: String, host: String, slot: Int, fence: Int64, started_at: Int64, finished_at: Int64,
        outcome: String, mt5_error: ResultMessage.MT5Error?, login_ms: Int64?, fetch_ms: Int64?, account: AccountInfo?,
        positions: [TradePosition]?, deals: [TradeDeal]?, terminal: TerminalSummary?
    ) {
        self.job_id = job_id
        self.account_id = account_id
        self.host = host
        self.slot = slot
        self.fence = fence
        self.started_at = started_at
        self.finished_at = finished_at
        self.outcome = outcome
        self.mt5_error = mt5_error
        self.login_ms = login_ms
        self.fetch_ms = fetch_ms
        self.account = account
        self.positions = positions
        self.deals = deals
        self.terminal = terminal
    }

    /// Nulls are written out: the protocol requires these keys even when empty.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(v, forKey: .v)
        try container.encode(job_id, forKey: .job_id)
        try container.encode(account_id, forKey: .account_id)
        try container.encode(host, forKey: .host)
        try container.encode(slot, forKey: .slot)
        try container.encode(fence, forKey: .fence)
        try container.encode(started_at, forKey: .started_at)
        try container.encode(finished_at, forKey: .finished_at)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(mt5_error, forKey: .mt5_error)
        try container.encode(login_ms, forKey: .login_ms)
        try container.encode(fetch_ms, forKey: .fetch_ms)
        try container.encode(account, forKey: .account)
        try container.encode(positions, forKey: .positions)
        try container.encode(deals, forKey: .deals)
        try container.encode(terminal, forKey: .terminal)
        try container.encodeIfPresent(server_clock, forKey: .server_clock)
        try container.encodeIfPresent(symbols, forKey: .symbols)
    }

    enum Keys: String, CodingKey {
        case v, job_id, account_id, host, slot, fence, started_at, finished_at, outcome, mt5_error, login_ms, fetch_ms
        case account, positions, deals, terminal, server_clock, symbols
    }
}
