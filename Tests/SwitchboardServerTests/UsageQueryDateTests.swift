import Foundation
import SwitchboardCore
@testable import SwitchboardServer
import Testing

@Suite struct UsageQueryDateTests {
    @Test(arguments: [
        ("2026-11-25T13:45:00Z", 1_795_614_300.0),
        ("2026-11-25T15:45:00+02:00", 1_795_614_300.0),
        ("2026-11-25", 1_795_564_800.0),
        ("1795614300", 1_795_614_300.0),
        ("1795614300.5", 1_795_614_300.5),
    ])
    func readsDateTimesDaysAndUnixSeconds(text: String, seconds: Double) throws {
        #expect(try UsageQueryDate.parse(text, param: "from") == Date(timeIntervalSince1970: seconds))
    }

    @Test func nothingMeansNoBound() throws {
        #expect(try UsageQueryDate.parse(nil, param: "to") == nil)
        #expect(try UsageQueryDate.parse("", param: "to") == nil)
    }

    @Test(arguments: ["yesterday", "2026-02-30", "2026-11-25T25:00:00Z", "2026-02-30T10:00:00Z", "2026-11-25T10:60:00Z", "25/11/2026"])
    func refusesOtherTextNamingTheParameter(text: String) {
        #expect(throws: GatewayError.self) { try UsageQueryDate.parse(text, param: "to") }
        do {
            _ = try UsageQueryDate.parse(text, param: "to")
        } catch {
            #expect(error.param == "to")
            #expect(error.statusCode == 400)
        }
    }
}
