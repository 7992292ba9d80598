import Foundation
import KlaroCore
import Testing

@Suite("The sync cadence a trader is told")
struct SyncCadenceTests {
    @Test("durations read the way people say them", arguments: [
        (0.4, "0 s"), (45, "45 s"), (59.4, "59 s"), (59.6, "1 min"), (300, "5 min"), (329, "5 min"), (331, "6 min"),
        (900, "15 min"), (3599, "1 h"), (3600, "1 h"), (5400, "1 h 30 min"), (7100, "1 h 58 min"), (7380, "2 h 5 min"),
        (8000, "2 h 15 min"), (86_400, "24 h"),
    ] as [(Double, String)])
    func durations(seconds: Double, text: String) {
        #expect(SyncCadence.duration(seconds) == text)
    }

    @Test("nonsense durations do not print nonsense")
    func nonsense() {
        #expect(SyncCadence.duration(.infinity) == "a while")
        #expect(SyncCadence.duration(-3) == "a while")
    }

    @Test("each class says its target and why")
    func classes() {
        let moving = SyncCadence(syncClass: .moving, target: 300, interval: 300)
        #expect(moving.text == "Synced about every 5 min while it has open positions or traded in the last day.")
        #expect(moving.interval == 300 && !moving.isStretched)
        #expect(SyncCadence(syncClass: .quiet, target: 900, interval: 900).text == "Synced about every 15 min.")
        let dormant = SyncCadence(syncClass: .dormant, target: 3600, interval: 3600).text
        #expect(dormant.hasPrefix("Synced about every 1 h: no positions and no deals for 7 days."))
        #expect(dormant.contains("Sync now"))
    }

    @Test("a stretched interval is told with the target, a rounding-sized one is not")
    func stretched() {
        let busy = SyncCadence(syncClass: .quiet, target: 900, interval: 1530)
        #expect(busy.isStretched)
        #expect(busy.interval == 1530)
        #expect(busy.text == "Synced about every 15 min. Klaro's terminals are busy right now: about every 26 min until they catch up.")
        let barely = SyncCadence(syncClass: .quiet, target: 900, interval: 918)
        #expect(!barely.isStretched)
        #expect(barely.text == "Synced about every 15 min.")
        // An interval below the target is not a speed-up the policy can give.
        #expect(SyncCadence(syncClass: .moving, target: 300, interval: 150).interval == 300)
    }

    @Test("with no terminal online the trader is told syncing waits for one, not that terminals are busy")
    func offline() {
        let stopped = SyncCadence(syncClass: .quiet, target: 900, interval: 2700, terminalsOffline: true)
        #expect(stopped.text == "Synced about every 15 min. No Klaro terminal is online right now: syncing resumes as soon as one is back.")
        #expect(stopped.isStretched && stopped.terminalsOffline)
        #expect(!SyncCadence(syncClass: .quiet, target: 900, interval: 2700).text.contains("online"))
    }
}
