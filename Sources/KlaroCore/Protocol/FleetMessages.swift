import Foundation

/// `klaro:host:{host}`: what a worker host says about itself (docs/protocol.md §4).
public struct HostRegistration: Codable, Sendable, Equatable {
    public var v: Int
    public var host: String
    public var slots: Int
    public var publicKey: String
    public var version: String
    public var startedAt: Int64

    public init(host: String, slots: Int, publicKey: String, version: String, startedAt: Int64) {
        self.v = ProtocolKeys.version
        self.host = host
        self.slots = slots
        self.publicKey = publicKey
        self.version = version
        self.startedAt = startedAt
    }

    enum CodingKeys: String, CodingKey {
        case v, host, slots, version
        case publicKey = "public_key"
        case startedAt = "started_at"
    }
}

/// `klaro:hb:{host}:{slot}`: a slot's heartbeat (docs/protocol.md §5).
public struct Heartbeat: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        case idle
        case busy
    }

    public var v: Int
    public var host: String
    public var slot: Int
    public var state: State
    public var jobID: UUID?
    public var terminalBuild: Int?
    public var terminalConnected: Bool?
    public var ts: Int64
    public var pid: Int
    public var restarts: Int

    public init(
        host: String, slot: Int, state: State, jobID: UUID?, terminalBuild: Int?, terminalConnected: Bool?, ts: Int64, pid: Int,
        restarts: Int
    ) {
        self.v = ProtocolKeys.version
        self.host = host
        self.slot = slot
        self.state = state
        self.jobID = jobID
        self.terminalBuild = terminalBuild
        self.terminalConnected = terminalConnected
        self.ts = ts
        self.pid = pid
        self.restarts = restarts
    }

    enum CodingKeys: String, CodingKey {
        case v, host, slot, state, ts, pid, restarts
        case jobID = "job_id"
        case terminalBuild = "terminal_build"
        case terminalConnected = "terminal_connected"
    }
}
