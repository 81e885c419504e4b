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
            var environment: [String: String] = [:]
            /// The problem's path starts with this (a " (line N)" or " (VARIABLE)" suffix may follow).
            var path: String
            var reason: String
            var testDescription: String { name }
        }

        static let cases: [Case] = [
            Case(name: "unknown top-level key", yaml: "colour: blue\n", path: "colour", reason: "unknown key"),
            Case(name: "unknown nested key", yaml: "server:\n  hots: 0.0.0.0\n", path: "server.hots", reason: "unknown key"),
            Case(name: "mapping where a value belongs", yaml: "log:\n  level:\n    a: b\n", path: "log.level.a", reason: "unknown key"),
            Case(name: "list where a value belongs", yaml: "server:\n  host: [a, b]\n", path: "server.host", reason: "single value"),
            Case(name: "setting without a value", yaml: "server:\n  port:\n", path: "server.port", reason: "has no value"),
            Case(name: "non-numeric port in file", yaml: "server:\n  port: eighty\n", path: "server.port", reason: "'eighty' is not a whole number"),
            Case(name: "non-numeric port in environment", yaml: nil, environment: ["SWITCHBOARD_PORT": "http"],
                 path: "server.port", reason: "'http' is not a whole number"),
            Case(name: "port out of range", yaml: "server:\n  port: 70000\n", path: "server.port", reason: "from 0 to 65535"),
            Case(name: "max body too small", yaml: "server:\n  max_body_bytes: 10\n", path: "server.max_body_bytes", reason: "from 1024"),
            Case(name: "negative upstream timeout", yaml: nil, environment: ["SWITCHBOARD_UPSTREAM_IDLE_TIMEOUT_MS": "-1"],
                 path: "upstream.timeouts.idle_ms", reason: "not a whole number"),
            Case(name: "invalid log level", yaml: "log:\n  level: loud\n", path: "log.level", reason: "must be one of trace, debug"),
            Case(name: "invalid log level in environment", yaml: nil, environment: ["LOG_LEVEL": "chatty"],
                 path: "log.level", reason: "must be one of"),
            Case(name: "short admin key in environment", yaml: nil, environment: ["SWITCHBOARD_ADMIN_KEY": "short"],
                 path: "admin.key", reason: "at least 16 characters"),
            Case(name: "short admin key by reference", yaml: "admin:\n  key: env:ADMIN\n", environment: ["ADMIN": "0123456789abcde"],
                 path: "admin.key", reason: "at least 16 characters"),
            Case(name: "unknown provider kind", yaml: "providers:\n  x:\n    kind: gemini\n    api_key: env:K\n",
                 path: "providers.x.kind", reason: "unknown kind 'gemini'"),
            Case(name: "missing provider kind", yaml: "providers:\n  x:\n    api_key: env:K\n", path: "providers.x.kind", reason: "is required"),
            Case(name: "provider that is not a mapping", yaml: "providers:\n  x: openai\n", path: "providers.x", reason: "must be a mapping"),
            Case(name: "invalid provider name", yaml: "providers:\n  \"a b\":\n    kind: mock\n", path: "providers.a b", reason: "letters, digits"),
            Case(name: "unknown provider key", yaml: "providers:\n  x:\n    kind: mock\n    colour: red\n",
                 path: "providers.x.colour", reason: "unknown key"),
            Case(name: "missing api_key for openai", yaml: "providers:\n  x:\n    kind: openai\n", path: "providers.x.api_key",
                 reason: "is required for kind openai"),
            Case(name: "missing api_key for anthropic", yaml: "providers:\n  x:\n    kind: anthropic\n", path: "providers.x.api_key",
                 reason: "is required for kind anthropic"),
            Case(name: "literal api_key", yaml: "providers:\n  x:\n    kind: openai\n    api_key: sk-literal\n",
                 path: "providers.x.api_key", reason: "by reference"),
            Case(name: "reference to unset variable", yaml: "providers:\n  x:\n    kind: openai\n    api_key: env:NOT_SET_ANYWHERE\n",
                 path: "providers.x.api_key", reason: "environment variable NOT_SET_ANYWHERE is not set"),
            Case(name: "unreadable secret file",
                 yaml: "providers:\n  x:\n    kind: openai\n    api_key: file:/nonexistent/switchboard/openai.key\n",
                 path: "providers.x.api_key", reason: "cannot read secret file /nonexistent/switchboard/openai.key"),
            Case(name: "bad base_url", yaml: "providers:\n  x:\n    kind: openai\n    api_key: env:K\n    base_url: api.openai.com\n",
                 environment: ["K": "k"], path: "providers.x.base_url", reason: "http:// or https://"),
            Case(name: "ftp base_url", yaml: "providers:\n  x:\n    kind: anthropic\n    api_key: env:K\n    base_url: ftp://x.example\n",
                 environment: ["K": "k"], path: "providers.x.base_url", reason: "http:// or https://"),
            Case(name: "bad azure endpoint",
                 yaml: "providers:\n  x:\n    kind: azure-openai\n    api_key: env:K\n    endpoint: acme\n    api_version: v\n",
                 environment: ["K": "k"], path: "providers.x.endpoint", reason: "http:// or https://"),
            Case(name: "azure without endpoint", yaml: "providers:\n  x:\n    kind: azure-openai\n    api_key: env:K\n    api_version: v\n",
                 environment: ["K": "k"], path: "providers.x.endpoint", reason: "is required for kind azure-openai"),
            Case(name: "azure without api_version",
                 yaml: "providers:\n  x:\n    kind: azure-openai\n    api_key: env:K\n    endpoint: https://a.example\n",
                 environment: ["K": "k"], path: "providers.x.api_version", reason: "is required for kind azure-openai"),
            Case(name: "provider models not a list", yaml: "providers:\n  x:\n    kind: mock\n    models: echo\n",
                 path: "providers.x.models", reason: "list of model names"),
            Case(name: "provider models with a non-name", yaml: "providers:\n  x:\n    kind: mock\n    models: [a, {b: c}]\n",
                 path: "providers.x.models", reason: "list of model names"),
            Case(name: "provider timeouts not a mapping", yaml: "providers:\n  x:\n    kind: mock\n    timeouts: 5\n",
                 path: "providers.x.timeouts", reason: "must be a mapping of connect_ms"),
            Case(name: "unknown provider timeout", yaml: "providers:\n  x:\n    kind: mock\n    timeouts:\n      read_ms: 5\n",
                 path: "providers.x.timeouts.read_ms", reason: "unknown key"),
            Case(name: "non-positive provider timeout", yaml: "providers:\n  x:\n    kind: mock\n    timeouts:\n      total_ms: 0\n",
                 path: "providers.x.timeouts.total_ms", reason: "not a positive whole number"),
            Case(name: "bad OPENAI_BASE_URL", yaml: nil, environment: ["OPENAI_API_KEY": "k", "OPENAI_BASE_URL": "localhost"],
                 path: "OPENAI_BASE_URL", reason: "http:// or https://"),
            Case(name: "alias to unknown provider", yaml: "models:\n  fast:\n    provider: nobody\n    model: m\n",
                 path: "models.fast.provider", reason: "no provider named 'nobody'"),
            Case(name: "alias without provider", yaml: "models:\n  fast:\n    model: m\n", path: "models.fast.provider", reason: "is required"),
            Case(name: "alias without model", yaml: "models:\n  fast:\n    provider: mock\n", path: "models.fast.model", reason: "is required"),
            Case(name: "unknown alias key", yaml: "models:\n  fast:\n    provider: mock\n    model: echo\n    weight: 2\n",
                 path: "models.fast.weight", reason: "unknown key"),
            Case(name: "invalid YAML", yaml: "server:\n  port: [8080\n", path: "(file)", reason: "not valid YAML"),
            Case(name: "top level not a mapping", yaml: "- a\n- b\n", path: "(file)", reason: "must be a mapping"),
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
