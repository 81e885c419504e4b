import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix
import SwitchboardServer
import SwitchboardStorage

/// The process entry point: makes SwiftNIO's event loops the Swift Concurrency global executor before any
/// task runs, so that request handlers, the upstream client and the server share the same threads instead
/// of handing every request between event-loop and dispatch threads; then runs the command.
@main
enum Entrypoint {
    static func main() async {
        if let threads = ProcessInfo.processInfo.environment["SWITCHBOARD_THREADS"].flatMap(Int.init), threads > 0 {
            NIOSingletons.groupLoopCountSuggestion = threads
        }
        if !EventLoopExecutor.install() {
            FileHandle.standardError.write(Data("warning: Swift Concurrency's global executor could not be moved to SwiftNIO's event loops; tasks run on the dispatch pool\n".utf8))
        }
        await Switchboard.main()
    }
}

/// The `switchboard` command: an OpenAI-compatible LLM gateway.
struct Switchboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "An OpenAI-compatible LLM gateway in front of OpenAI, Azure OpenAI, Anthropic and OpenAI-compatible servers.",
        subcommands: [
            Serve.self, CheckConfig.self, Keys.self, Tenants.self, UsageReport.self, Backup.self, Restore.self, MockUpstreamCommand.self,
            Version.self,
        ],
        defaultSubcommand: Serve.self
    )
}

/// Flags shared by commands that read the configuration.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "YAML configuration file (env SWITCHBOARD_CONFIG). Optional.")
    var config: String?

    @Option(name: .long, help: "Address to listen on (env SWITCHBOARD_HOST; default 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (env SWITCHBOARD_PORT; default 8080).")
    var port: Int?

    @Option(name: .customLong("data-dir"), help: "Folder of the SQLite database (env SWITCHBOARD_DATA_DIR; default ./.switchboard).")
    var dataDirectory: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (env LOG_LEVEL; default info).")
    var logLevel: String?

    @Option(name: .customLong("log-format"), help: "json (one object per line) or text (env LOG_FORMAT; default json).")
    var logFormat: String?

    /// The configuration file: the flag, else `SWITCHBOARD_CONFIG`.
    var configPath: String? {
        config ?? ProcessInfo.processInfo.environment["SWITCHBOARD_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
    }

    var flags: [Setting: String] {
        var flags: [Setting: String] = [:]
        flags[.host] = host
        flags[.port] = port.map(String.init)
        flags[.dataDirectory] = dataDirectory
        flags[.logLevel] = logLevel
        flags[.logFormat] = logFormat
        return flags
    }

    /// Loads the configuration or prints every problem and exits non-zero.
    func load() throws -> GatewayConfiguration {
        do {
            return try ConfigLoader().load(filePath: configPath, flags: flags)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway (the default command). Precedence: flag > environment > file > default."
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let configuration = try options.load()
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        let format = configuration.logFormat
        // Lines go out in batches (every 50 ms, at once for errors); what is waiting is written before exit.
        let logWriter = BufferedLogWriter()
        defer { logWriter.close() }
        LoggingSystem.bootstrap { label in StructuredLogHandler(label: label, format: format, level: level, output: .buffered(logWriter)) }
        let logger = Logger(label: "switchboard")
        // With JSON logs, stdout carries only log lines; the banner goes to stderr.
        let bannerOutput = format == .json ? FileHandle.standardError : FileHandle.standardOutput
        do {
            try await GatewayServer(configuration: configuration, logger: logger) { text in
                bannerOutput.write(Data((text + "\n").utf8))
            }.run()
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file (with the current environment); print every problem with its key path, exit 1 if any."
    )

    @Argument(help: "The YAML file to check.")
    var file: String

    func run() async throws {
        do {
            let configuration = try ConfigLoader().load(filePath: file)
            print("OK: \(file) is valid (\(configuration.providers.count) providers, \(configuration.aliases.count) model aliases).")
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

struct MockUpstreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-upstream",
        abstract: "Serve a fake OpenAI (/v1/chat/completions) and Anthropic (/v1/messages) upstream with injectable faults.",
        discussion: """
            Faults per request, by header 'x-mock-fault' or a model suffix 'model@spec', comma-separated:
              status=N          answer with that HTTP status (with retry-after=S or retry-after-ms=MS)
              headers-delay-ms  wait before the response headers
              chunk-delay-ms    wait before each stream chunk
              first-chunk-delay-ms  wait before the first chunk instead (0: at once)
              drop-after=N      send N stream chunks, then cut the connection
              repeat=N          say the answer N times over (a long stream from a short request)
              hang              accept the request and never answer
            """
    )

    @Option(name: .long, help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on.")
    var port = 9090

    func run() async throws {
        var logger = Logger(label: "mock-upstream")
        logger.logLevel = .warning
        let app = MockUpstream().application(host: host, port: port, logger: logger)
        print("mock upstream listening on http://\(host):\(port)")
        try await app.runService()
    }
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")
    func run() { print("switchboard \(SwitchboardVersion.current)") }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the SQLite database to a file, consistently, while the gateway serves (SQLite online backup)."
    )

    @OptionGroup var options: ConfigOptions

    @Option(name: .customLong("to"), help: "The backup file to create (must not exist).")
    var file: String

    func run() async throws {
        let configuration = try options.load()
        do {
            let database = try SQLiteDatabase(directory: configuration.dataDirectory)
            try SQLiteBackup.backup(database, to: file)
            try SQLiteBackup.verify(file)
            print("Backed up \(database.path) to \(file).")
        } catch {
            FileHandle.standardError.write(Data("backup failed: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replace the SQLite database by a backup. Refuses while a server holds the data directory."
    )

    @OptionGroup var options: ConfigOptions

    @Option(name: .customLong("from"), help: "The backup file to restore.")
    var file: String

    func run() async throws {
        let configuration = try options.load()
        do {
            try SQLiteBackup.restore(from: file, into: configuration.dataDirectory)
            print("Restored \(file) into \(configuration.dataDirectory).")
        } catch {
            FileHandle.standardError.write(Data("restore failed: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
