@testable import SwitchboardServer
import Testing

@Suite struct BearerTokenTests {
    @Test(arguments: [
        ("Bearer sk-sb-abc", "sk-sb-abc"),
        ("bearer sk-sb-abc", "sk-sb-abc"),
        ("BEARER   sk-sb-abc \t", "sk-sb-abc"),
        ("Bearer ", nil),
        ("Bearer", nil),
        ("Basic dXNlcjpwYXNz", nil),
        ("Bearerx sk", nil),
        ("Token sk-sb-abc", nil),
    ] as [(String, String?)])
    func bearerTokensAreRead(header: String, token: String?) {
        #expect(AuthenticationMiddleware.bearerToken(header) == token)
    }
}
