// swift-tools-version:6.2
// The code the libFuzzer targets exercise: the SwitchboardCore files that parse untrusted bytes (symlinked,
// not copied), built as one static library with only NIOCore and Foundation so the instrumented build stays
// small. `fuzz/run` builds it with `-sanitize=fuzzer` and links each target in `Targets/` against it.
// The language settings are the main package's: the same files must mean the same thing in both builds (without
// NonisolatedNonsendingByDefault, an iterator's plain `next()` is @concurrent and CompletionStream fails to build).
import PackageDescription

let package = Package(
    name: "switchboard-fuzz",
    products: [.library(name: "FuzzCore", type: .static, targets: ["FuzzCore"])],
    dependencies: [.package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2")],
    targets: [
        .target(
            name: "FuzzCore",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
            ]
        )
    ]
)
