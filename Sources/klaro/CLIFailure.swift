import ArgumentParser
import Foundation

/// Why a command failed, with the exit code scripts can test (docs/fleet.md):
///
/// | code | meaning |
/// |---|---|
/// | 0 | done |
/// | 1 | klarod failed (5xx) or answered something unexpected |
/// | 3 | no such host or account (404) |
/// | 4 | refused: invalid request or state (400, 409, 422), or an approval not confirmed |
/// | 5 | not authorised: no admin token, or a wrong one (401) |
/// | 6 | klarod unreachable |
/// | 7 | `--wait` ran out of time |
/// | 64 | wrong command line (argument parser) |
struct CLIFailure: Error, CustomStringConvertible {
    enum Kind: Int32 {
        case server = 1
        case notFound = 3
        case refused = 4
        case unauthorized = 5
        case unreachable = 6
        case timedOut = 7
    }

    let kind: Kind
    let message: String

    var description: String { message }

    /// The failure for an HTTP error status.
    static func http(status: Int, code: String?, message: String) -> CLIFailure {
        let kind: Kind = switch status {
        case 401, 403: .unauthorized
        case 404: .notFound
        case 400, 405, 409, 413, 422: .refused
        default: .server
        }
        let suffix = code.map { " (\($0))" } ?? ""
        return CLIFailure(kind: kind, message: "\(message)\(suffix)")
    }
}

extension CLIFailure.Kind {
    var exitCode: ExitCode { ExitCode(rawValue) }
}

/// Runs a command body, printing a failure to stderr and exiting with its code.
func runReportingFailure(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let failure as CLIFailure {
        fflush(nil)  // stdout first, so messages keep their order in a pipe
        FileHandle.standardError.write(Data("klaro: \(failure.message)\n".utf8))
        throw failure.kind.exitCode
    }
}
