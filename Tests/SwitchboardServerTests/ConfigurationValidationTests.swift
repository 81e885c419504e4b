import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardServer

extension ConfigurationTests {
    /// Every problem names its key path (or variable) and why; all of them are reported at once.
    @Suite struct Validation {
        struct Case: Sendable, CustomTestStringConvertible {
            var name: String
            var yaml: String?
            var environment: [String: String]
            /// The problem's path starts with this (a " (line N)" or " (VARIABLE)" suffix may follow).
            var path: String
            var reason: String
            var testDescription: String { name }

            init(_ name: String, _ yaml: String?, env environment: [String: String] = [:], _ path: String, _ reason: String) {
                (self.name, self.yaml, self.environment, self.path, self.reason) = (name, yaml, environment, path, reason)
            }
        }

        /// A file declaring provider `x` with `lines` as its fields.
        static func provider(_ lines: String...) -> String {
            "providers:\n  x:\n" + lines.map { "    \($0)\n" }.joined()
        }

        static let cases: [Case] = [
            Case("unknown top-level key", "colour: blue\n", "colour", "unknown key"),
            Case("unknown nested key", "server:\n  hots: 0.0.0.0\n", "server.hots", "unknown key"),
            Case("mapping where a value belongs", "log:\n  level:\n    a: b\n", "log.level.a", "unknown key"),
            Case("list where a value belongs", "server:\n  host: [a, b]\n", "server.host", "single value"),
            Case("setting without a value", "server:\n  port:\n", "server.port", "has no value"),
            Case("non-numeric port in file", "server:\n  port: eighty\n", "server.port", "'eighty' is not a whole number"),
            Case("non-numeric port in environment", nil, env: ["SWITCHBOARD_PORT": "http"],
                 "server.port", "'http' is not a whole number"),
            Case("port out of range", "server:\n  port: 70000\n", "server.port", "from 0 to 65535"),
            Case("max body too small", "server:\n  max_body_bytes: 10\n", "server.max_body_bytes", "from 1024"),
            Case("listen backlog of zero", nil, env: ["SWITCHBOARD_LISTEN_BACKLOG": "0"], "server.listen_backlog", "from 1 to 65535"),
            Case("no connections", "server:\n  max_connections: 0\n", "server.max_connections", "from 1 to 10000000"),
            Case("negative upstream timeout", nil, env: ["SWITCHBOARD_UPSTREAM_IDLE_TIMEOUT_MS": "-1"],
                 "upstream.timeouts.idle_ms", "not a whole number"),
            Case("invalid log level", "log:\n  level: loud\n", "log.level", "must be one of trace, debug"),
            Case("invalid log level in environment", nil, env: ["LOG_LEVEL": "chatty"], "log.level", "must be one of"),
            Case("short admin key in environment", nil, env: ["SWITCHBOARD_ADMIN_KEY": "short"],
                 "admin.key", "at least 16 characters"),
            Case("short admin key by reference", "admin:\n  key: env:ADMIN\n", env: ["ADMIN": "0123456789abcde"],
                 "admin.key", "at least 16 characters"),
            Case("unknown provider kind", provider("kind: gemini", "api_key: env:K"),
                 "providers.x.kind", "unknown kind 'gemini'"),
            Case("missing provider kind", provider("api_key: env:K"), "providers.x.kind", "is required"),
            Case("provider that is not a mapping", "providers:\n  x: openai\n", "providers.x", "must be a mapping"),
            Case("invalid provider name", "providers:\n  \"a b\":\n    kind: mock\n", "providers.a b", "letters, digits"),
            Case("unknown provider key", provider("kind: mock", "colour: red"), "providers.x.colour", "unknown key"),
            Case("missing api_key for openai", provider("kind: openai"), "providers.x.api_key", "is required for kind openai"),
            Case("missing api_key for anthropic", provider("kind: anthropic"),
                 "providers.x.api_key", "is required for kind anthropic"),
            Case("literal api_key", provider("kind: openai", "api_key: sk-literal"), "providers.x.api_key", "by reference"),
            Case("reference to unset variable", provider("kind: openai", "api_key: env:NOT_SET_ANYWHERE"),
                 "providers.x.api_key", "environment variable NOT_SET_ANYWHERE is not set"),
            Case("unreadable secret file", provider("kind: openai", "api_key: file:/nonexistent/switchboard/openai.key"),
                 "providers.x.api_key", "cannot read secret file /nonexistent/switchboard/openai.key"),
            Case("api_key with a line break", provider("kind: openai", "api_key: env:K"), env: ["K": "sk-a\r\nx-injected: 1"],
                 "providers.x.api_key", "holds a control character or line break (the value is not shown)"),
            Case("OPENAI_API_KEY with a line break", nil, env: ["OPENAI_API_KEY": "sk-a\nb"],
                 "providers.openai.api_key", "holds a control character"),
            Case("bad base_url", provider("kind: openai", "api_key: env:K", "base_url: api.openai.com"), env: ["K": "k"],
                 "providers.x.base_url", "http:// or https://"),
            Case("ftp base_url", provider("kind: anthropic", "api_key: env:K", "base_url: ftp://x.example"), env: ["K": "k"],
                 "providers.x.base_url", "http:// or https://"),
            Case("bad azure endpoint", provider("kind: azure-openai", "api_key: env:K", "endpoint: acme", "api_version: v"),
                 env: ["K": "k"], "providers.x.endpoint", "http:// or https://"),
            Case("azure without endpoint", provider("kind: azure-openai", "api_key: env:K", "api_version: v"), env: ["K": "k"],
                 "providers.x.endpoint", "is required for kind azure-openai"),
            Case("azure without api_version", provider("kind: azure-openai", "api_key: env:K", "endpoint: https://a.example"),
                 env: ["K": "k"], "providers.x.api_version", "is required for kind azure-openai"),
            Case("provider models not a list", provider("kind: mock", "models: echo"),
                 "providers.x.models", "list of model names"),
            Case("provider models with a non-name", provider("kind: mock", "models: [a, {b: c}]"),
                 "providers.x.models", "list of model names"),
            Case("provider timeouts not a mapping", provider("kind: mock", "timeouts: 5"),
                 "providers.x.timeouts", "must be a mapping of connect_ms"),
            Case("unknown provider timeout", provider("kind: mock", "timeouts:", "  read_ms: 5"),
                 "providers.x.timeouts.read_ms", "unknown key"),
            Case("non-positive provider timeout", provider("kind: mock", "timeouts:", "  total_ms: 0"),
                 "providers.x.timeouts.total_ms", "not a positive whole number"),
            Case("bad OPENAI_BASE_URL", nil, env: ["OPENAI_API_KEY": "k", "OPENAI_BASE_URL": "localhost"],
                 "OPENAI_BASE_URL", "http:// or https://"),
            Case("alias to unknown provider", "models:\n  fast:\n    provider: nobody\n    model: m\n",
                 "models.fast.provider", "no provider named 'nobody'"),
            Case("alias without provider", "models:\n  fast:\n    model: m\n", "models.fast.provider", "is required"),
            Case("alias without model", "models:\n  fast:\n    provider: mock\n", "models.fast.model", "is required"),
            Case("unknown alias key", "models:\n  fast:\n    provider: mock\n    model: echo\n    weight: 2\n",
                 "models.fast.weight", "unknown key"),
            Case("invalid YAML", "server:\n  port: [8080\n", "(file)", "not valid YAML"),
            Case("top level not a mapping", "- a\n- b\n", "(file)", "must be a mapping"),
        ]

        @Test(arguments: cases)
        func reportsPathAndReason(_ testCase: Case) throws {
            let problems = try ConfigurationTests.problems(testCase.yaml, environment: testCase.environment)
            #expect(problems.count == 1, "\(problems)")
            let problem = try #require(problems.first)
            #expect(problem.path.hasPrefix(testCase.path), "\(problem)")
            #expect(problem.reason.contains(testCase.reason), "\(problem)")
        }

        @Test func fileProblemsCarryTheirLine() throws {
            let problems = try ConfigurationTests.problems("server:\n  host: a\n  hots: b\n")
            #expect(problems.map(\.path) == ["server.hots (line 3)"])
        }

        @Test func environmentProblemsNameTheVariable() throws {
            let problems = try ConfigurationTests.problems(nil, environment: ["SWITCHBOARD_PORT": "x"])
            #expect(problems.map(\.path) == ["server.port (SWITCHBOARD_PORT)"])
        }

        @Test func literalSecretsAreNotEchoed() throws {
            let yaml = """
                admin:
                  key: literal-admin-key-0123456789
                providers:
                  x:
                    kind: openai
                    api_key: sk-literal-do-not-print
                """
            let problems = try ConfigurationTests.problems(yaml)
            #expect(problems.map { $0.path.prefix(while: { $0 != " " }) } == ["admin.key", "providers.x.api_key"])
            let text = "\(ConfigurationError(problems: problems))"
            #expect(!text.contains("sk-literal-do-not-print"))
            #expect(!text.contains("literal-admin-key-0123456789"))
        }

        @Test func unreadableConfigurationFile() throws {
            let path = "/nonexistent/switchboard-\(UUID().uuidString).yaml"
            do throws(ConfigurationError) {
                _ = try ConfigLoader(environment: [:]).load(filePath: path)
                Issue.record("expected the file to be unreadable")
            } catch {
                #expect(error.problems == [ConfigProblem(path: path, reason: "cannot read the file")])
            }
        }

        @Test func everyProblemIsReportedAtOnce() throws {
            let yaml = """
                colour: blue
                server:
                  hots: 0.0.0.0
                  port: 99999
                log:
                  level: loud
                providers:
                  a:
                    kind: gemini
                  b:
                    api_key: env:B
                  c:
                    kind: openai
                    api_key: sk-literal
                    base_url: nowhere
                  d:
                    kind: azure-openai
                    api_key: env:UNSET_D
                models:
                  fast:
                    provider: ghost
                    model: m
                  slow:
                    provider: c
                """
            let problems = try ConfigurationTests.problems(yaml, environment: ["SWITCHBOARD_MAX_BODY_BYTES": "lots"])
            let expected = [
                "colour", "server.hots", "server.port", "server.max_body_bytes", "log.level", "providers.a.kind",
                "providers.b.kind", "providers.c.api_key", "providers.c.base_url", "providers.d.api_key",
                "providers.d.endpoint", "providers.d.api_version", "models.fast.provider", "models.slow.model",
            ]
            for path in expected {
                #expect(problems.contains { $0.path.hasPrefix(path + " ") || $0.path == path }, "no problem for \(path)")
            }
            #expect(problems.count == expected.count, "\(problems)")
            let message = "\(ConfigurationError(problems: problems))"
            #expect(message.hasPrefix("Invalid configuration (\(expected.count) problems):"))
        }

        @Test func environmentProviderProblemsJoinTheOthers() throws {
            let problems = try ConfigurationTests.problems("server:\n  port: x\n", environment: [
                "AZURE_OPENAI_API_KEY": "azure-secret", "OPENAI_API_KEY": "k", "OPENAI_BASE_URL": "not-a-url",
            ])
            let paths = problems.map { String($0.path.prefix(while: { $0 != " " })) }
            #expect(paths.sorted() == ["AZURE_OPENAI_ENDPOINT", "OPENAI_BASE_URL", "server.port"])
        }
    }
}
