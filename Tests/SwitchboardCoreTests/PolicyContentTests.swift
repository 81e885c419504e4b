import Foundation
import SwitchboardCore
import Testing

@Suite struct PolicyContentTests {
    static func request(_ texts: [String]) throws -> ChatRequest {
        let messages = texts.map { JSONValue.object(["role": "user", "content": .string($0)]) }
        let body = try JSONEncoder().encode(JSONValue.object(["model": "m", "messages": .array(messages)]))
        return try ChatRequest.decode(body)
    }

    static func policy(_ settings: ContentPolicySettings) throws -> ContentPolicy {
        try ContentPolicy(settings: settings)
    }

    static func violation(_ policy: ContentPolicy, _ texts: [String]) throws -> GatewayError? {
        do {
            _ = try policy.apply(to: try request(texts))
            return nil
        } catch let error as GatewayError {
            return error
        }
    }

    @Test(arguments: [
        ("class", "The class starts at nine.", true),
        ("class", "Class!", true),
        ("class", "An image classification model.", false),
        ("class", "A subclass of it.", false),
        ("Secret Project", "tell me about the secret project.", true),
        ("secret project", "the Secret  \n Project!", true),
        ("secret project", "the secret projects", false),
        ("c++", "I write C++ daily", true),
        ("straße", "STRASSE or Straße?", true),
    ])
    func matchesBannedTermsOnBoundariesIgnoringCase(term: String, text: String, blocked: Bool) throws {
        let policy = try Self.policy(ContentPolicySettings(bannedTerms: ["unrelated", term]))
        let error = try Self.violation(policy, [text])
        #expect((error != nil) == blocked)
        if let error {
            #expect(error.code == "content_policy_violation")
            #expect(error.type == "invalid_request_error")
            #expect(error.statusCode == 400)
            #expect(error.message.contains("banned term rule #1"))
            #expect(error.param == "messages[0].content")
        }
    }

    @Test func blocksConfiguredPatternsNamingTheIndex() throws {
        let policy = try Self.policy(ContentPolicySettings(patterns: [#"ticket-\d{4}"#, #"(?i)project\s+x"#]))
        #expect(try Self.violation(policy, ["hello"]) == nil)
        #expect(try Self.violation(policy, ["ok", "see ticket-1234"])?.message.contains("pattern #0") == true)
        #expect(try Self.violation(policy, ["ok", "see ticket-1234"])?.param == "messages[1].content")
        #expect(try Self.violation(policy, ["about PROJECT   X"])?.message.contains("pattern #1") == true)
    }

    @Test func rejectsInvalidConfigurationNamingTheEntry() {
        let pattern = #expect(throws: ContentPolicy.ConfigurationError.self) {
            try ContentPolicy(settings: ContentPolicySettings(patterns: ["ok", "(unclosed"]))
        }
        #expect(pattern?.message == "pattern #1 is not a valid regular expression")
        let term = #expect(throws: ContentPolicy.ConfigurationError.self) {
            try ContentPolicy(settings: ContentPolicySettings(bannedTerms: ["fine", "  "]))
        }
        #expect(term?.message == "banned term #1 is empty")
    }

    @Test func limitsTotalInputCharacters() throws {
        let policy = try Self.policy(ContentPolicySettings(maxInputCharacters: 10))
        #expect(try Self.violation(policy, ["12345", "67890"]) == nil)
        let error = try #require(try Self.violation(policy, ["12345", "678901"]))
        #expect(error.message.contains("max_input_characters"))
        #expect(error.param == "messages")
    }

    @Test func neverEchoesTheMatchedSecretOrEmail() throws {
        let key = "sk-proj-abcdefghijklmnopqrstuvwxyz123456"
        let email = "jane.doe@example.com"
        let policy = try Self.policy(ContentPolicySettings(piiRules: [.init(.apiKey, .block), .init(.email, .block)]))
        let keyError = try #require(try Self.violation(policy, ["my key is \(key) thanks"]))
        #expect(keyError.message.contains("pii.api_key"))
        let emailError = try #require(try Self.violation(policy, ["write to \(email)"]))
        #expect(emailError.message.contains("pii.email"))
        for error in [keyError, emailError] {
            let rendered = "\(error.message) \(error.param ?? "") \(error.code ?? "")"
            #expect(!rendered.contains(key) && !rendered.contains("abcdefghijklmnop"))
            #expect(!rendered.contains(email) && !rendered.contains("jane") && !rendered.contains("example.com"))
        }
    }

    @Test func redactsTypedAndRawMessages() throws {
        let policy = try Self.policy(ContentPolicySettings(piiRules: [.init(.email, .redact), .init(.apiKey, .redact)]))
        let body = #"""
            {"model":"m","temperature":0.5,"messages":[
              {"role":"system","content":"Be brief."},
              {"role":"user","content":[{"type":"text","text":"mail jane@example.com now"},
                                        {"type":"image_url","image_url":{"url":"https://example.com/a.png"}},
                                        {"type":"text","text":"key sk-ant-api03-abcdefghijklmnopqrstuvwxyz"}]},
              {"role":"user","content":"again: jane@example.com"}]}
            """#
        let request = try ChatRequest.decode(Data(body.utf8))
        let redacted = try policy.apply(to: request)

        let typed = redacted.typed.messages.map(\.text)
        #expect(typed == ["Be brief.", "mail [REDACTED:email] now\nkey [REDACTED:api_key]", "again: [REDACTED:email]"])
        let raw = try #require(redacted.raw["messages"])
        #expect(raw[1]?["content"]?[0]?["text"] == "mail [REDACTED:email] now")
        #expect(raw[1]?["content"]?[1]?["image_url"]?["url"] == "https://example.com/a.png")
        #expect(raw[1]?["content"]?[2]?["text"] == "key [REDACTED:api_key]")
        #expect(raw[2]?["content"] == "again: [REDACTED:email]")
        #expect(redacted.raw["temperature"] == request.raw["temperature"])
        let forwarded = String(decoding: try JSONEncoder().encode(JSONValue.object(redacted.raw)), as: UTF8.self)
        #expect(!forwarded.contains("jane@") && !forwarded.contains("sk-ant"))
    }

    @Test func blockWinsOverRedactForTheSameKind() throws {
        let settings = ContentPolicySettings(piiRules: [.init(.email, .redact)])
            .merged(with: ContentPolicySettings(piiRules: [.init(.email, .block)]))
        #expect(try Self.violation(try Self.policy(settings), ["a@b.co"])?.message.contains("pii.email") == true)
    }

    @Test func mergesGlobalAndTenantSettings() {
        let global = ContentPolicySettings(
            maxInputCharacters: 1_000, bannedTerms: ["alpha"], patterns: ["x+"], piiRules: [.init(.email, .redact)]
        )
        let tenant = ContentPolicySettings(
            maxInputCharacters: 500, bannedTerms: ["beta"], patterns: ["y+"], piiRules: [.init(.phone, .block)],
            scanCompletions: true
        )
        let merged = global.merged(with: tenant)
        #expect(merged.maxInputCharacters == 500)
        #expect(merged.bannedTerms == ["alpha", "beta"])
        #expect(merged.patterns == ["x+", "y+"])
        #expect(merged.piiRules == [.init(.email, .redact), .init(.phone, .block)])
        #expect(merged.scanCompletions)
        #expect(global.merged(with: ContentPolicySettings()).maxInputCharacters == 1_000)
        #expect(ContentPolicySettings().merged(with: tenant).maxInputCharacters == 500)
        #expect(ContentPolicySettings(maxInputCharacters: 100).merged(with: tenant).maxInputCharacters == 100)
    }

    @Test func scansAndRedactsCompletions() throws {
        let policy = try Self.policy(ContentPolicySettings(
            bannedTerms: ["forbidden"], piiRules: [.init(.phone, .redact), .init(.paymentCard, .block)]
        ))
        #expect(policy.scanCompletion("all clear") == nil)
        #expect(policy.scanCompletion("a forbidden word") == ContentPolicyFinding(rule: "banned term rule #0", action: .block))
        #expect(policy.scanCompletion("call +44 20 7946 0958") == ContentPolicyFinding(rule: "pii.phone", action: .redact))
        let card = ContentPolicyFinding(rule: "pii.payment_card", action: .block)
        #expect(policy.scanCompletion("card 4111 1111 1111 1111") == card)
        #expect(policy.redact("call +44 20 7946 0958 today") == "call [REDACTED:phone] today")
    }

    @Test func leavesRequestsWithoutMatchesUntouched() throws {
        let policy = try Self.policy(ContentPolicySettings(piiRules: [.init(.email, .redact)]))
        let request = try Self.request(["nothing to see"])
        let result = try policy.apply(to: request)
        #expect(result.typed.messages.map(\.text) == ["nothing to see"])
        #expect(try Self.policy(ContentPolicySettings()).isEmpty)
        #expect(!policy.isEmpty)
    }
}
