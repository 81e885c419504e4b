import SwitchboardCore
import Testing

@Suite struct PolicyPIITests {
    static let policy = try! ContentPolicy(settings: ContentPolicySettings(
        piiRules: PIIKind.allCases.map { ContentPolicySettings.PIIRule($0, .redact) }
    ))

    @Test(arguments: [
        // Payment cards: Luhn decides.
        ("card 4111 1111 1111 1111 ok", "card [REDACTED:payment_card] ok"),
        ("card 4111 1111 1111 1112 ok", "card 4111 1111 1111 1112 ok"),
        ("card 4111-1111-1111-1111.", "card [REDACTED:payment_card]."),
        ("4111111111111111", "[REDACTED:payment_card]"),
        ("amex 3782 822463 10005", "amex [REDACTED:payment_card]"),
        ("order 12 4111 1111 1111 1111", "order 12 [REDACTED:payment_card]"),
        // Phones: international and formatted, at least 8 digits.
        ("call +1 (415) 555-2671 now", "call [REDACTED:phone] now"),
        ("call +14155552671", "call [REDACTED:phone]"),
        ("call (415) 555-2671.", "call [REDACTED:phone]."),
        ("tel: 020 7946 0958", "tel: [REDACTED:phone]"),
        ("short 555-1234", "short 555-1234"),
        ("id 1234567890 is plain", "id 1234567890 is plain"),
        ("on 2024-01-15 we met", "on 2024-01-15 we met"),
        // Emails.
        ("mail Jane.Doe+tag@mail.example.co.uk.", "mail [REDACTED:email]."),
        ("not an email: a@b, x@localhost, @example.com", "not an email: a@b, x@localhost, @example.com"),
        // API keys.
        ("key sk-proj-abcdefghijklmnopqrstuvwxyz123456", "key [REDACTED:api_key]"),
        ("key sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv_wx-yz", "key [REDACTED:api_key]"),
        ("key sk-sb-0123456789abcdefghijklmn", "key [REDACTED:api_key]"),
        ("aws AKIAIOSFODNN7EXAMPLE here", "aws [REDACTED:api_key] here"),
        ("gh ghp_1234567890abcdefghijABCDEFGHIJ123456", "gh [REDACTED:api_key]"),
        ("token Zx9Qw2Er7Ty4Ui1Op8As5Df3Gh6Jk0LmNb", "token [REDACTED:api_key]"),
        ("sk-short and task-list", "sk-short and task-list"),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"),
        ("internationalization_and_localization", "internationalization_and_localization"),
        // Non-ASCII text around matches stays intact.
        ("écrivez à zoë@example.fr — merci", "écrivez à zoë@example.fr — merci"),
        ("écrivez à zoe@example.fr — merci 😀", "écrivez à [REDACTED:email] — merci 😀"),
    ])
    func detectsAndRedacts(_ text: String, expected: String) {
        #expect(Self.policy.redact(text) == expected)
    }

    @Test func cardsAreNotTakenForPhones() throws {
        let policy = try ContentPolicy(settings: ContentPolicySettings(piiRules: [.init(.phone, .block)]))
        #expect(policy.scanCompletion("card 4111 1111 1111 1111") == nil)
        #expect(policy.scanCompletion("card 4222 2222 2222 2") == nil)
        #expect(policy.scanCompletion("call +44 20 7946 0958")?.rule == "pii.phone")
    }

    @Test func scansLargeInputLinearly() {
        let chunk = "user 42 wrote a.b@example.com from +1 415 555 2671 about 4111111111111111 at 2024-01-15; "
        let redacted = Self.policy.redact(String(repeating: chunk, count: 10_000))
        #expect(redacted.ranges(of: "[REDACTED:email]").count == 10_000)
        #expect(redacted.ranges(of: "[REDACTED:phone]").count == 10_000)
        #expect(redacted.ranges(of: "[REDACTED:payment_card]").count == 10_000)
        #expect(!redacted.contains("@example.com") && redacted.contains("2024-01-15"))
    }
}
