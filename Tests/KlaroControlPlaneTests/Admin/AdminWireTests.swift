import Foundation
import KlaroAdminAPI
@testable import KlaroControlPlane
import KlaroCore
import Testing

/// klarod and the CLI share the `/admin` bodies (KlaroAdminAPI): what klarod encodes is what
/// the CLI decodes, the JSON is what it was before the types were shared, and the CLI still
/// reads a klarod that sends fewer or more fields.
@Suite("admin bodies shared by klarod and the CLI")
struct AdminWireTests {
    private static let at = Date(timeIntervalSince1970: 1_780_000_000)

    /// The CLI's reading (AdminClient's decoder).
    private static func cliDecode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: data)
    }

    private static func klarodEncode(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoding.encoder().encode(value), as: UTF8.self)
    }

    @Test("a rebalance answer: the same bytes as before, read back by the CLI")
    func rebalance() throws {
        let answer = AdminRebalance.Response(
            dry_run: true, applied: false, mode: PlacementMode.keepCurrent.rawValue,
            summary: .init(moves: 1, relocations: 1, deferred: 0, unplaced: 2, by_reason: ["slot_gone": 1]),
            moves: [.init(account_id: "a1", from: "h1:1", to: "h2:1", reason: MoveReason.slotGone.rawValue, in_flight: false)]
        )
        let json = try Self.klarodEncode(answer)
        #expect(json == #"{"applied":false,"dry_run":true,"mode":"keep_current","moves":[{"account_id":"a1","from":"h1:1","in_flight":false,"reason":"slot_gone","to":"h2:1"}],"summary":{"by_reason":{"slot_gone":1},"deferred":0,"moves":1,"relocations":1,"unplaced":2}}"#)
        let read = try Self.cliDecode(AdminAPI.Rebalance.self, Data(json.utf8))
        #expect(read.moves == answer.moves)
        #expect(read.summary == answer.summary)
        #expect(read.mode == "keep_current" && read.dry_run == true && !read.applied)
    }

    @Test("status, accounts, sync requests and runs encoded by klarod decode in the CLI")
    func roundTrip() throws {
        let status = AdminStatus(
            generated_at: Self.at, leader: .init(present: true, this_node: true, node: "n1", client_addr: nil, since: Self.at),
            syncs_1h: .init(total: 2, ok: 1, success_rate: 0.5, by_outcome: ["ok": 1, "auth_failed": 1]),
            accounts: .init(by_status: ["active": 3], active: 3, stale: 1, unplaced: 0, oldest_success_age_seconds: 12.5, never_synced: 2),
            queue: .init(due: 4, in_flight: 1), slots: ["idle": 2], hosts: ["approved": 1], demand_ratio: 0.25
        )
        let statusJSON = try Self.klarodEncode(status)
        #expect(!statusJSON.contains("client_addr"), "nil fields stay omitted")
        let readStatus = try Self.cliDecode(AdminAPI.Status.self, Data(statusJSON.utf8))
        #expect(readStatus.generated_at == Self.at && readStatus.leader.node == "n1" && readStatus.syncs_1h.by_outcome == ["ok": 1, "auth_failed": 1])
        #expect(readStatus.accounts.active == 3 && readStatus.queue.due == 4 && readStatus.demand_ratio == 0.25)

        let account = AdminAccountView(
            id: "a1", user_id: "u1", mt5_login: 5_000_123, mt5_server: "Demo", account_name: "main", status: "active",
            is_active: true, stale: false, assigned: "h1:1", pinned: nil, in_flight: false, inflight_job_id: nil,
            inflight_slot: nil, last_synced: Self.at, last_success_at: Self.at, last_outcome: "ok", last_error_code: nil,
            last_error_message: nil, consecutive_failures: 0, next_sync_at: Self.at
        )
        let list = AdminRoutes.AccountList(accounts: [account], total: 7)
        let readList = try Self.cliDecode(AdminAPI.AccountList.self, Data(try Self.klarodEncode(list).utf8))
        #expect(readList.accounts == [account] && readList.total == 7)

        let sync = AdminAccounts.SyncRequest(account_id: "a1", queued: true, in_flight: false, next_sync_at: Self.at, assigned: "h1:1", message: "queued")
        let syncJSON = try Self.klarodEncode(sync)
        #expect(syncJSON == #"{"account_id":"a1","assigned":"h1:1","in_flight":false,"message":"queued","next_sync_at":"2026-05-28T20:26:40Z","queued":true}"#)
        #expect(try Self.cliDecode(AdminAPI.SyncRequest.self, Data(syncJSON.utf8)).message == "queued")

        let run = AdminAccounts.Run(
            job_id: "j1", host: "h1", slot: 1, attempt: 1, state: "finished", outcome: "ok", error_code: nil, error_message: nil,
            enqueued_at: Self.at, started_at: Self.at, finished_at: Self.at, queue_wait_ms: 3, duration_ms: 40, login_ms: 10,
            fetch_ms: 20, positions_count: 0, deals_count: 5
        )
        let runs = try Self.cliDecode(AdminAPI.RunList.self, Data(try Self.klarodEncode(AdminRoutes.RunList(account_id: "a1", runs: [run])).utf8))
        #expect(runs.account_id == "a1" && runs.runs.map(\.job_id) == ["j1"] && runs.runs.first?.deals_count == 5)
    }

    @Test("audit entries keep their JSON values and result strings")
    func audit() throws {
        let entry = AdminAuditLog.Entry(
            id: 9, at: Self.at, actor: "ops", action: "host.drain", target: "h1", result: AdminAuditLog.Outcome.denied.rawValue,
            remote_addr: "127.0.0.1", before: ["admin_state": "approved"], after: nil
        )
        let json = try Self.klarodEncode(AdminAPI.AuditList(entries: [entry]))
        #expect(json == #"{"entries":[{"action":"host.drain","actor":"ops","at":"2026-05-28T20:26:40Z","before":{"admin_state":"approved"},"id":9,"remote_addr":"127.0.0.1","result":"denied","target":"h1"}]}"#)
        #expect(try Self.cliDecode(AdminAPI.AuditList<JSONValue>.self, Data(json.utf8)).entries == [entry])
    }

    @Test("a fleet answer: klarod's host and slot fields, states as plain strings, read back by the CLI")
    func fleet() throws {
        let slot = AdminAPI.Slot(
            slot: 1, state: "busy", placement: SlotState.cordoned.rawValue, weight: 1, accounts: 3, capacity: nil, in_flight: 1,
            current_job_id: "j1", last_heartbeat_at: Self.at, heartbeat_age_seconds: 1.5, terminal_build: 4755,
            terminal_connected: true, restarts: 0, syncs_1h: 4, success_rate_1h: 0.75)
        let host = AdminAPI.Host(
            host: "h1", state: "dead", admin_state: HostAdminState.cordoned.rawValue, key_fingerprint: "SHA256:k",
            approved_key_fingerprint: "SHA256:k", key_approved: true, version: "1.0", declared_slots: 1, registered_at: Self.at,
            last_seen_at: nil, approved_at: Self.at, approved_by: "ops", live_slots: 0, accounts: 3, in_flight: 1, syncs_1h: 4,
            success_rate_1h: 0.75, slots: [slot])
        let json = try Self.klarodEncode(AdminRoutes.Fleet(generated_at: Self.at, hosts: [host]))
        #expect(json == #"{"generated_at":"2026-05-28T20:26:40Z","hosts":[{"accounts":3,"admin_state":"cordoned","approved_at":"2026-05-28T20:26:40Z","approved_by":"ops","approved_key_fingerprint":"SHA256:k","declared_slots":1,"host":"h1","in_flight":1,"key_approved":true,"key_fingerprint":"SHA256:k","live_slots":0,"registered_at":"2026-05-28T20:26:40Z","slots":[{"accounts":3,"current_job_id":"j1","heartbeat_age_seconds":1.5,"in_flight":1,"last_heartbeat_at":"2026-05-28T20:26:40Z","placement":"cordoned","restarts":0,"slot":1,"state":"busy","success_rate_1h":0.75,"syncs_1h":4,"terminal_build":4755,"terminal_connected":true,"weight":1}],"state":"dead","success_rate_1h":0.75,"syncs_1h":4,"version":"1.0"}]}"#)
        #expect(try Self.cliDecode(AdminAPI.Fleet.self, Data(json.utf8)).hosts == [host])
        // A klarod one version apart: fewer fields, states this CLI does not know.
        let older = #"{"hosts":[{"host":"h2","state":"resting","admin_state":"resting","key_approved":false,"version":"0.9","live_slots":0,"accounts":0,"in_flight":0,"syncs_1h":0,"slots":[{"slot":1,"state":"dead","placement":"parked","accounts":0,"in_flight":0,"shiny":true}]}]}"#
        let read = try Self.cliDecode(AdminAPI.Fleet.self, Data(older.utf8))
        #expect(read.generated_at == nil && read.hosts.first?.admin_state == "resting")
        #expect(read.hosts.first?.slots.first?.placement == "parked" && read.hosts.first?.slots.first?.restarts == nil)
    }

    @Test("the CLI reads a klarod that sends only the fields its commands show, and more it does not know")
    func tolerance() throws {
        let account = #"{"id":"a1","mt5_login":1,"mt5_server":"Demo","status":"new_state","stale":false,"in_flight":true,"consecutive_failures":2,"colour":"blue"}"#
        let read = try Self.cliDecode(AdminAPI.Account.self, Data(account.utf8))
        #expect(read.status == "new_state" && read.in_flight && read.next_sync_at == nil && read.user_id == nil)
        let plan = #"{"applied":true,"mode":"future_mode","summary":{"moves":1,"deferred":0,"unplaced":0,"by_reason":{"new_reason":1}},"moves":[{"account_id":"a1","to":"h1:1","reason":"new_reason","in_flight":false}]}"#
        #expect(try Self.cliDecode(AdminAPI.Rebalance.self, Data(plan.utf8)).moves.first?.reason == "new_reason")
        let sync = #"{"account_id":"a1","message":"queued"}"#
        #expect(try Self.cliDecode(AdminAPI.SyncRequest.self, Data(sync.utf8)).queued == nil)
        let status = #"{"generated_at":"2026-05-28T20:26:40Z","leader":{"present":false,"this_node":false,"node":"n"},"syncs_1h":{"total":0,"ok":0,"by_outcome":{}},"accounts":{"by_status":{},"stale":0,"unplaced":0,"oldest_success_age_seconds":0},"queue":{"due":0,"in_flight":0},"slots":{},"hosts":{},"demand_ratio":0}"#
        #expect(try Self.cliDecode(AdminAPI.Status.self, Data(status.utf8)).accounts.active == nil)
        let audit = #"{"entries":[{"at":"2026-05-28T20:26:40Z","actor":"ops","action":"a","target":"t","result":"later"}]}"#
        #expect(try Self.cliDecode(AdminAPI.AuditList<JSONValue>.self, Data(audit.utf8)).entries.first?.id == nil)
    }
}
