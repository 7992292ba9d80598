/// What `klaro_build_info{version,revision,swift_version}` reports.
public struct BuildInfo: Sendable, Equatable {
    /// Release version, e.g. `0.3.0`.
    public var version: String
    /// Source revision (git commit), or `unknown`.
    public var revision: String
    /// Version of the Swift compiler that built the binary.
    public var swiftVersion: String

    public init(version: String, revision: String, swiftVersion: String = BuildInfo.compilerSwiftVersion) {
        self.version = version
        self.revision = revision
        self.swiftVersion = swiftVersion
    }

    /// The Swift version of the compiler that built this module, to the minor version.
    public static var compilerSwiftVersion: String {
        #if compiler(>=7.0)
        "7.0+"
        #elseif compiler(>=6.4)
        "6.4"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #else
        "6.1"
        #endif
    }
}
