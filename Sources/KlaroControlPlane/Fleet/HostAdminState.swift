/// A worker host's administrative state (`worker_hosts.admin_state`), which an operator sets;
/// liveness (heartbeats) is separate and lives on the slots.
public enum HostAdminState: String, Codable, Sendable, CaseIterable {
    /// Registered with a key nobody approved yet: no jobs.
    case pending
    /// Takes jobs and new accounts.
    case active
    /// Finishes the jobs it has, gets no new jobs; its accounts move to other hosts.
    case draining
    /// Keeps its accounts and syncs them, gets no new accounts.
    case cordoned
    /// Presented a key that differs from the approved one: no jobs until an operator approves.
    case refused

    /// True when the host's key was approved (its slots may get jobs).
    public var isAdmitted: Bool {
        switch self {
        case .active, .draining, .cordoned: true
        case .pending, .refused: false
        }
    }
}

/// What an operator can do to a host (`POST /admin/hosts/{host}/{action}`).
public enum HostAction: String, Codable, Sendable, CaseIterable {
    case drain
    case undrain
    case cordon
    case uncordon
    case approve

    /// Why an action does not apply to a host in its state.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public let action: HostAction
        public let state: HostAdminState

        public var description: String {
            switch (action, state) {
            case (_, .pending), (_, .refused):
                "the host is \(state.rawValue): approve its key first (klaro hosts approve)"
            case (.undrain, _):
                "the host is \(state.rawValue), not draining"
            case (.uncordon, _):
                "the host is \(state.rawValue), not cordoned"
            default:
                "\(action.rawValue) does not apply to a \(state.rawValue) host"
            }
        }
    }

    /// The state after the action, or a refusal. Repeating an action that already holds
    /// (draining a draining host) is allowed and changes nothing, so scripts can retry.
    /// `approve` is not handled here: it depends on the key (see ``HostApproval``).
    public func apply(to state: HostAdminState) -> Result<HostAdminState, Refusal> {
        switch (self, state) {
        case (.drain, .active), (.drain, .cordoned), (.drain, .draining):
            .success(.draining)
        case (.undrain, .draining), (.undrain, .active):
            .success(.active)
        case (.cordon, .active), (.cordon, .draining), (.cordon, .cordoned):
            .success(.cordoned)
        case (.uncordon, .cordoned), (.uncordon, .active):
            .success(.active)
        case (.approve, _):
            .success(.active)
        default:
            .failure(Refusal(action: self, state: state))
        }
    }
}
