// swift-tools-version:6.2
import PackageDescription

// Micro-benchmarks of the gateway's hot pieces, kept out of the unit tests. Build and run with its own
// scratch path (bench/run does): swift run -c release --scratch-path .build SwitchboardMicro
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
                // By name: a path dependency's identity is its folder name, which differs between checkouts.
                "SwitchboardCore",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ]
)
