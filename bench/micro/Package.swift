// swift-tools-version:6.2
import Foundation
import PackageDescription

// Micro-benchmarks of the gateway's hot pieces, kept out of the unit tests, and ProxyFloor, the bare SwiftNIO proxy
// the report measures as `nio-floor`. Build and run with its own scratch path (bench/run does):
// swift build -c release --scratch-path .build && .build/release/SwitchboardMicro

/// A path dependency's package identity is its folder's name, which differs between checkouts.
let gatewayPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

let package = Package(
    name: "switchboard-micro",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "SwitchboardMicro",
            dependencies: [
                .product(name: "SwitchboardCore", package: gatewayPackage.lastPathComponent),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "ProxyFloor",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ]
)
