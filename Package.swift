// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Tern",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tern", targets: ["tern"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
    ],
    targets: [
        // libxcrypt's crypt(3): yescrypt, sha512-crypt, sha256-crypt, bcrypt.
        .systemLibrary(name: "CCrypt", path: "Sources/CCrypt"),
        // libresolv's res_query for DNS MX/A/AAAA/TXT lookups.
        .systemLibrary(name: "CResolv", path: "Sources/CResolv"),
        .target(
            name: "MailCore",
            dependencies: []
        ),
        .target(
            name: "MailStore",
            dependencies: [
                "MailCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Accounts",
            dependencies: [
                "MailCore", "MailStore", "CCrypt",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "POP3",
            dependencies: [
                "MailCore", "MailStore", "Accounts",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "IMAP",
            dependencies: [
                "MailCore", "MailStore", "Accounts",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SMTP",
            dependencies: [
                "MailCore", "MailStore", "Accounts", "CResolv",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                // The outbound SMTP client (RFC 5321 client side, RFC 3207 STARTTLS).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            linkerSettings: [.linkedLibrary("resolv")]
        ),
        .target(
            name: "Server",
            dependencies: [
                "MailCore", "MailStore", "Accounts", "POP3", "SMTP", "IMAP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),
        .executableTarget(
            name: "tern",
            dependencies: [
                "Server", "MailCore", "MailStore", "Accounts", "SMTP", "IMAP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Test doubles shared by the tests of every module that uses a store
        // (the fault-injecting store).
        .target(name: "MailStoreTestSupport", dependencies: ["MailStore", "MailCore"],
                path: "Tests/MailStoreTestSupport"),
        .testTarget(name: "MailCoreTests", dependencies: ["MailCore"]),
        .testTarget(name: "MailStoreTests", dependencies: ["MailStore", "MailCore", "MailStoreTestSupport"]),
        .testTarget(name: "AccountsTests", dependencies: ["Accounts", "MailStore", "MailCore", "MailStoreTestSupport"]),
        .testTarget(name: "POP3Tests", dependencies: ["POP3", "Accounts", "MailStore", "MailCore",
                                                      "MailStoreTestSupport"]),
        .testTarget(
            name: "IMAPTests",
            dependencies: [
                "IMAP", "MailCore", "MailStore", "Accounts", "MailStoreTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SMTPTests",
            dependencies: [
                "SMTP", "Accounts", "MailStore", "MailCore", "MailStoreTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "MailStore", "Accounts", "MailCore", "POP3", "SMTP", "IMAP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["tern"],
            resources: [.copy("Scripts")]
        ),
    ]
)
