import Foundation

/// What a sealed password is bound to: the job fields a worker acts on with it. Seal v2 puts
/// all of them in the AES-GCM additional data, so a job whose `login`, `server` or
/// `account_id` was changed in Redis (or whose sealed text was copied into another job) does
/// not open. Seal v1 bound the job id alone.
public struct SealBinding: Sendable, Equatable {
    /// The job's `job_id`, exactly as the job JSON writes it (lowercase UUID).
    public var jobID: String
    /// The job's `account_id`, exactly as the job JSON writes it (lowercase UUID).
    public var accountID: String
    public var login: Int64
    /// The job's `server`, byte for byte.
    public var server: String

    public init(jobID: String, accountID: String, login: Int64, server: String) {
        self.jobID = jobID
        self.accountID = accountID
        self.login = login
        self.server = server
    }

    /// The binding of a job with these fields, UUIDs written as the job JSON writes them.
    public init(jobID: UUID, accountID: UUID, login: Int64, server: String) {
        self.init(jobID: jobID.uuidString.lowercased(), accountID: accountID.uuidString.lowercased(), login: login, server: server)
    }

    /// The AES-GCM additional data of `version`: v1 the UTF-8 job id; v2, for each of job id,
    /// account id, login (decimal ASCII) and server in that order, its UTF-8 length as 4 bytes
    /// big-endian followed by its UTF-8 bytes (docs/crypto.md §3).
    public func additionalData(_ version: SealVersion) -> [UInt8] {
        switch version {
        case .v1:
            return Array(jobID.utf8)
        case .v2:
            var data: [UInt8] = []
            for field in [jobID, accountID, String(login), server] {
                let bytes = Array(field.utf8)
                let count = UInt32(truncatingIfNeeded: bytes.count)
                data += [UInt8(count >> 24), UInt8((count >> 16) & 0xff), UInt8((count >> 8) & 0xff), UInt8(count & 0xff)]
                data += bytes
            }
            return data
        }
    }
}

/// The version of the sealed-password format (docs/crypto.md §3).
public enum SealVersion: Int, Sendable, CaseIterable {
    /// Additional data = job id; text = base64 alone. Still specified, no longer sent.
    case v1 = 1
    /// Additional data = job id, account id, login and server; text = `v2:` + base64.
    case v2 = 2

    /// The HKDF `info`: `klaro-seal-v1` or `klaro-seal-v2`.
    var info: [UInt8] { Array("klaro-seal-v\(rawValue)".utf8) }

    /// What comes before the base64 in the sealed text.
    var prefix: String {
        switch self {
        case .v1: ""
        case .v2: "v2:"
        }
    }
}
