import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardServer

@Suite struct ConfigurationTests {
    /// A unique temporary folder for configuration and secret files; `remove()` it when done.
    struct Scratch {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-config-\(UUID().uuidString)")

        init() throws {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }

        /// Writes `text` to `name` in the folder and returns its path.
        func write(_ text: String, to name: String = "switchboard.yaml") throws -> String {
            let file = url.appendingPathComponent(name)
            try text.write(to: file, atomically: true, encoding: .utf8)
            return file.path
        }

        func remove() {
            try? FileManager.default.removeItem(at: url)
        }
    }

    /// Loads `yaml` (no file when `nil`) with exactly `environment` and `flags`.
    static func load(
        _ yaml: String?, environment: [String: String] = [:], flags: [Setting: String] = [:]
    ) throws -> Result<GatewayConfiguration, ConfigurationError> {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = try yaml.map { try scratch.write($0) }
        do throws(ConfigurationError) {
            return .success(try ConfigLoader(environment: environment).load(filePath: path, flags: flags))
        } catch {
            return .failure(error)
        }
    }

    /// The problems loading reports; records an issue when it succeeds instead.
    static func problems(
        _ yaml: String?, environment: [String: String] = [:], flags: [Setting: String] = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [ConfigProblem] {
        switch try load(yaml, environment: environment, flags: flags) {
        case .success:
            Issue.record("expected configuration problems", sourceLocation: sourceLocation)
            return []
        case .failure(let error):
            return error.problems
        }
    }

    // MARK: Precedence and defaults

    /// The highest layer that sets the value; every lower layer sets it too.
    enum Layer: String, CaseIterable, Sendable {
        case flag, environment, file, none
    }

    /// Values per layer, in the order flag, environment, file, default.
    static let values: [Setting: [String]] = [
        .host: ["10.0.0.1", "10.0.0.2", "10.0.0.3", "127.0.0.1"],
        .port: ["9001", "9002", "9003", "8080"],
        .dataDirectory: ["/srv/flag", "/srv/env", "/srv/file", "./.switchboard"],
        .logLevel: ["trace", "debug", "warning", "info"],
    ]

    static func resolved(_ setting: Setting, in configuration: GatewayConfiguration) -> String {
        switch setting {
        case .host: configuration.host
        case .port: String(configuration.port)
        case .dataDirectory: configuration.dataDirectory
        case .logLevel: configuration.logLevel
        default: ""
        }
    }

    @Test(arguments: [Setting.host, .port, .dataDirectory, .logLevel], Layer.allCases)
    func precedenceIsFlagThenEnvironmentThenFileThenDefault(setting: Setting, top: Layer) throws {
        let values = try #require(Self.values[setting])
        let rank = Layer.allCases.firstIndex(of: top)!
        var flags: [Setting: String] = [:]
        var environment: [String: String] = [:]
        var yaml: String?
        if rank <= 0 { flags[setting] = values[0] }
        if rank <= 1 { environment[setting.environmentVariable] = values[1] }
        if rank <= 2 {
            let parts = setting.rawValue.split(separator: ".")
            yaml = "\(parts[0]):\n  \(parts[1]): \"\(values[2])\"\n"
        }
        let configuration = try Self.load(yaml, environment: environment, flags: flags).get()
        #expect(Self.resolved(setting, in: configuration) == values[rank])
    }

    @Test func defaultsWithoutFileOrEnvironment() throws {
        let configuration = try Self.load(nil).get()
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.dataDirectory == "./.switchboard")
        #expect(configuration.logLevel == "info")
        #expect(configuration.shutdownGrace == .seconds(30))
        #expect(configuration.maxBodyBytes == 4 * 1024 * 1024)
        #expect(configuration.listenBacklog == 4096)
        #expect(configuration.maxConnections == nil)
        #expect(configuration.timeouts == UpstreamTimeouts())
        #expect(configuration.adminKey == nil)
        #expect(configuration.providers.map(\.name) == ["mock"])
        #expect(configuration.providers.first?.kind == .mock)
        #expect(configuration.aliases.isEmpty)
        #expect(configuration.bindsLoopbackOnly)
    }

    @Test(arguments: [
        "", "# nothing yet\n", "server:\n", "server:\n  # port: 9000\nlog:\n", "upstream:\n  timeouts:\n",
        "providers:\n", "models:\n",
    ])
    func emptyFileOrSectionsKeepTheDefaults(yaml: String) throws {
        let configuration = try Self.load(yaml).get()
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.timeouts == UpstreamTimeouts())
        #expect(configuration.providers.map(\.name) == ["mock"])
    }

    @Test func emptyEnvironmentVariablesCountAsUnset() throws {
        let environment = [
            "SWITCHBOARD_HOST": "", "SWITCHBOARD_PORT": "", "LOG_LEVEL": "", "SWITCHBOARD_ADMIN_KEY": "", "OPENAI_API_KEY": "",
        ]
        let configuration = try Self.load("server:\n  host: 10.1.1.1\n", environment: environment).get()
        #expect(configuration.host == "10.1.1.1")
        #expect(configuration.port == 8080)
        #expect(configuration.logLevel == "info")
        #expect(configuration.adminKey == nil)
        #expect(configuration.providers.map(\.name) == ["mock"])
    }

    @Test func remainingScalarsComeFromFileAndEnvironment() throws {
        let yaml = """
            server:
              shutdown_grace_seconds: 5
              max_body_bytes: 2048
              listen_backlog: 1024
            upstream:
              timeouts:
                connect_ms: 1500
                first_byte_ms: 20000
                idle_ms: 15000
                total_ms: 90000
            """
        let configuration = try Self.load(
            yaml, environment: ["SWITCHBOARD_UPSTREAM_TOTAL_TIMEOUT_MS": "120000", "SWITCHBOARD_MAX_CONNECTIONS": "500"]
        ).get()
        #expect(configuration.shutdownGrace == .seconds(5))
        #expect(configuration.maxBodyBytes == 2048)
        #expect(configuration.listenBacklog == 1024)
        #expect(configuration.maxConnections == 500)
        #expect(configuration.timeouts == UpstreamTimeouts(
            connect: .milliseconds(1500), firstByte: .milliseconds(20000), idle: .milliseconds(15000),
            total: .milliseconds(120_000)
        ))
    }

    // MARK: Providers from the environment

    @Test func openAIKeyInEnvironmentDefinesProviderOpenAI() throws {
        let configuration = try Self.load(nil, environment: [
            "OPENAI_API_KEY": "sk-env-openai", "OPENAI_BASE_URL": "https://openai.internal/v1",
        ]).get()
        let provider = try #require(configuration.providers.first { $0.name == "openai" })
        #expect(provider.kind == .openAI)
        #expect(provider.apiKey?.value == "sk-env-openai")
        #expect(provider.baseURL == "https://openai.internal/v1")
        #expect(configuration.providers.map(\.name) == ["mock", "openai"])
    }

    @Test func anthropicKeyInEnvironmentDefinesProviderAnthropic() throws {
        let configuration = try Self.load(nil, environment: [
            "ANTHROPIC_API_KEY": "sk-ant-env", "ANTHROPIC_BASE_URL": "http://localhost:9090",
        ]).get()
        let provider = try #require(configuration.providers.first { $0.name == "anthropic" })
        #expect(provider.kind == .anthropic)
        #expect(provider.apiKey?.value == "sk-ant-env")
        #expect(provider.baseURL == "http://localhost:9090")
    }

    @Test func baseURLVariableWithoutKeyAddsNoProvider() throws {
        let configuration = try Self.load(nil, environment: ["OPENAI_BASE_URL": "https://openai.internal/v1"]).get()
        #expect(configuration.providers.map(\.name) == ["mock"])
    }

    @Test func azureVariablesDefineProviderAzure() throws {
        let configuration = try Self.load(nil, environment: [
            "AZURE_OPENAI_API_KEY": "azure-secret", "AZURE_OPENAI_ENDPOINT": "https://acme.openai.azure.com",
            "AZURE_OPENAI_API_VERSION": "2025-01-01-preview",
        ]).get()
        let provider = try #require(configuration.providers.first { $0.name == "azure" })
        #expect(provider.kind == .azureOpenAI)
        #expect(provider.apiKey?.value == "azure-secret")
        #expect(provider.endpoint == "https://acme.openai.azure.com")
        #expect(provider.apiVersion == "2025-01-01-preview")
    }

    @Test func azureAPIVersionDefaultsWhenNotSet() throws {
        let configuration = try Self.load(nil, environment: [
            "AZURE_OPENAI_API_KEY": "azure-secret", "AZURE_OPENAI_ENDPOINT": "https://acme.openai.azure.com",
        ]).get()
        #expect(configuration.providers.first { $0.name == "azure" }?.apiVersion == "2024-10-21")
    }

    @Test func azureKeyWithoutEndpointIsAProblem() throws {
        let problems = try Self.problems(nil, environment: ["AZURE_OPENAI_API_KEY": "azure-secret"])
        #expect(problems.map(\.path) == ["AZURE_OPENAI_ENDPOINT"])
        #expect(problems.first?.reason.contains("AZURE_OPENAI_API_KEY") == true)
        #expect(!"\(problems)".contains("azure-secret"))
    }

    @Test func environmentOverridesKeyAndBaseURLOfTheSameNamedFileProvider() throws {
        let yaml = """
            providers:
              openai:
                kind: openai
                api_key: env:FILE_OPENAI_KEY
                base_url: https://file.example/v1
                models: [gpt-4o-mini]
            """
        let configuration = try Self.load(yaml, environment: [
            "FILE_OPENAI_KEY": "sk-from-file", "OPENAI_API_KEY": "sk-from-env", "OPENAI_BASE_URL": "https://env.example/v1",
        ]).get()
        let matching = configuration.providers.filter { $0.name == "openai" }
        #expect(matching.count == 1)
        #expect(matching.first?.apiKey?.value == "sk-from-env")
        #expect(matching.first?.baseURL == "https://env.example/v1")
        #expect(matching.first?.models == ["gpt-4o-mini"])
    }

    @Test func azureKeyInEnvironmentUsesTheEndpointOfFileProviderAzure() throws {
        let yaml = """
            providers:
              azure:
                kind: azure-openai
                api_key: env:AZURE_OPENAI_API_KEY
                endpoint: https://file.openai.azure.com
                api_version: "2024-06-01"
            """
        let configuration = try Self.load(yaml, environment: ["AZURE_OPENAI_API_KEY": "az-key"]).get()
        let provider = try #require(configuration.providers.first { $0.name == "azure" })
        #expect(provider.apiKey?.value == "az-key")
        #expect(provider.endpoint == "https://file.openai.azure.com")
        #expect(provider.apiVersion == "2024-06-01")
    }

    @Test func environmentKeyAloneKeepsTheFileBaseURL() throws {
        let yaml = """
            providers:
              anthropic:
                kind: anthropic
                api_key: env:FILE_ANTHROPIC_KEY
                base_url: https://file.example
            """
        let configuration = try Self.load(yaml, environment: ["FILE_ANTHROPIC_KEY": "a", "ANTHROPIC_API_KEY": "b"]).get()
        let provider = try #require(configuration.providers.first { $0.name == "anthropic" })
        #expect(provider.apiKey?.value == "b")
        #expect(provider.baseURL == "https://file.example")
    }

    // MARK: Providers, aliases and secrets from the file

    @Test func fileDeclaresNamedProvidersOfEveryKindWithAliases() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let keyFile = try scratch.write("sk-ant-from-file\n", to: "anthropic.key")
        let yaml = """
            upstream:
              timeouts:
                idle_ms: 30000
            providers:
              primary:
                kind: openai
                api_key: env:PRIMARY_KEY
                base_url: https://gateway.example/v1
                models: [gpt-4o, gpt-4o-mini]
                timeouts:
                  connect_ms: 1000
              claude:
                kind: anthropic
                api_key: file:\(keyFile)
                api_version: "2023-06-01"
              az:
                kind: azure-openai
                api_key: env:AZ_KEY
                endpoint: https://acme.openai.azure.com
                api_version: "2024-10-21"
              fake:
                kind: mock
            models:
              fast:
                provider: primary
                model: gpt-4o-mini
              smart:
                provider: claude
                model: claude-sonnet-4-5
              echo:
                provider: mock
                model: echo
            """
        let configuration = try Self.load(yaml, environment: ["PRIMARY_KEY": "sk-primary-secret", "AZ_KEY": "az-secret"]).get()
        #expect(configuration.providers.map(\.name) == ["mock", "primary", "claude", "az", "fake"])
        #expect(configuration.providers.map(\.kind) == [.mock, .openAI, .anthropic, .azureOpenAI, .mock])

        let primary = try #require(configuration.providers.first { $0.name == "primary" })
        #expect(primary.apiKey?.value == "sk-primary-secret")
        #expect(primary.baseURL == "https://gateway.example/v1")
        #expect(primary.models == ["gpt-4o", "gpt-4o-mini"])
        #expect(primary.timeouts == UpstreamTimeouts(connect: .milliseconds(1000), idle: .milliseconds(30000)))

        let claude = try #require(configuration.providers.first { $0.name == "claude" })
        #expect(claude.apiKey?.value == "sk-ant-from-file")
        #expect(claude.apiVersion == "2023-06-01")
        #expect(claude.timeouts == nil)

        let azure = try #require(configuration.providers.first { $0.name == "az" })
        #expect(azure.apiKey?.value == "az-secret")
        #expect(azure.endpoint == "https://acme.openai.azure.com")
        #expect(azure.apiVersion == "2024-10-21")

        #expect(configuration.providers.first { $0.name == "fake" }?.apiKey == nil)
        #expect(configuration.aliases == [
            ModelAlias(name: "fast", provider: "primary", upstreamModel: "gpt-4o-mini"),
            ModelAlias(name: "smart", provider: "claude", upstreamModel: "claude-sonnet-4-5"),
            ModelAlias(name: "echo", provider: "mock", upstreamModel: "echo"),
        ])
    }

    @Test func aliasMayPointToAProviderDefinedByTheEnvironment() throws {
        let yaml = """
            models:
              default:
                provider: openai
                model: gpt-4o
            """
        let configuration = try Self.load(yaml, environment: ["OPENAI_API_KEY": "sk-x"]).get()
        #expect(configuration.aliases.map(\.provider) == ["openai"])
    }

    @Test func resolvedSecretsNeverPrint() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let keyFile = try scratch.write("file-secret-4f8a\n", to: "key")
        let yaml = """
            admin:
              key: env:ADMIN_SECRET
            providers:
              one:
                kind: openai
                api_key: env:ONE_SECRET
              two:
                kind: anthropic
                api_key: file:\(keyFile)
            """
        let secrets = ["env-secret-9c2e", "file-secret-4f8a", "admin-secret-0123456789", "env-openai-7d1b"]
        let configuration = try Self.load(yaml, environment: [
            "ONE_SECRET": secrets[0], "ADMIN_SECRET": secrets[2], "OPENAI_API_KEY": secrets[3],
        ]).get()
        #expect(configuration.adminKey?.value == secrets[2])
        #expect(configuration.providers.compactMap(\.apiKey?.value).sorted() == [secrets[0], secrets[3], secrets[1]].sorted())
        let renderings = [
            "\(configuration)", String(describing: configuration.providers), String(reflecting: configuration),
            String(describing: configuration.adminKey), "\(configuration.providers.compactMap(\.apiKey))",
        ]
        for text in renderings {
            for secret in secrets {
                #expect(!text.contains(secret))
            }
        }
        #expect(renderings[0].contains("[secret]"))
    }

    @Test func adminKeyFromEnvironmentIsTakenAsIs() throws {
        let configuration = try Self.load(nil, environment: ["SWITCHBOARD_ADMIN_KEY": "sk-admin-0123456789abcdef"]).get()
        #expect(configuration.adminKey?.value == "sk-admin-0123456789abcdef")
    }
}
