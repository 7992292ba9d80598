// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "klaro",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "klarod", targets: ["klarod"]),
        .executable(name: "klaro", targets: ["klaro"]),
        .executable(name: "klaro-bench", targets: ["klaro-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        // MARK: System libraries (Debian's -dev packages, found with pkg-config)
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // hiredis's pkg-config adds -D_FILE_OFFSET_BITS=64, which SwiftPM refuses; the header
        // path is standard, so no pkg-config is needed.
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        // glibc's malloc.h (malloc_trim, mallopt): part of libc, nothing to link.
        .systemLibrary(name: "CMalloc"),

        // MARK: Domain and adapters
        .target(name: "KlaroCore", swiftSettings: swiftSettings),
        // The /admin request and response bodies klarod and the klaro CLI share.
        .target(name: "KlaroAdminAPI", swiftSettings: swiftSettings),
        .target(
            name: "KlaroPostgres",
            dependencies: [
                "CLibPQ", "KlaroCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            resources: [.copy("Migrations")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KlaroRedis",
            dependencies: [
                "CHiredis", "KlaroCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "KlaroCrypto", dependencies: ["COpenSSL", "CArgon2", "KlaroCore"], swiftSettings: swiftSettings),
        .target(
            name: "KlaroTelemetry",
            dependencies: [
                "CSystemd", "KlaroCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KlaroControlPlane",
            dependencies: [
                "KlaroCore", "KlaroPostgres", "KlaroRedis", "KlaroCrypto", "KlaroTelemetry",
                "KlaroAdminAPI", "CMalloc",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("API/OpenAPI/openapi.yaml")],
            swiftSettings: swiftSettings
        ),

        // MARK: Executables
        .executableTarget(
            name: "klarod",
            dependencies: [
                "KlaroControlPlane",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "klaro",
            dependencies: [
                "KlaroCore",
                "KlaroAdminAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "klaro-bench",
            dependencies: [
                "KlaroControlPlane", "KlaroPostgres", "KlaroCrypto", "KlaroCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .target(
            name: "KlaroTestSupport",
            dependencies: ["KlaroControlPlane"],
            path: "Tests/KlaroTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "KlaroCoreTests", dependencies: ["KlaroCore"], swiftSettings: swiftSettings),
        .testTarget(name: "KlaroPostgresTests", dependencies: ["KlaroPostgres", "KlaroTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "KlaroRedisTests", dependencies: ["KlaroRedis", "KlaroTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "KlaroCryptoTests", dependencies: ["KlaroCrypto", "KlaroCore"], swiftSettings: swiftSettings),
        .testTarget(name: "KlaroTelemetryTests", dependencies: ["KlaroTelemetry", "KlaroCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "KlaroControlPlaneTests",
            dependencies: [
                "KlaroControlPlane", "KlaroTestSupport",
                "KlaroAdminAPI",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
