import Foundation
import Logging
import Testing

@testable import SwitchboardServer

@Suite struct JSONLineWriterTests {
    @Test func escapesOnlyWhatJSONRequires() {
        var line = JSONLineWriter(capacity: 64)
        line.string("a\"b\\c\nd\re\tf\u{07}g 🚦 /")
        #expect(line.text == #""a\"b\\c\nd\re\tf\u0007g 🚦 /""#)
    }

    @Test func timestampsAreUTCWithMillisecondsZeroPadded() {
        // 2026-01-02T03:04:05.006Z
        let date = Date(timeIntervalSince1970: 1_767_323_045.0065)
        var quoted = JSONLineWriter(capacity: 32)
        quoted.timestamp(date)
        #expect(quoted.text == #""2026-01-02T03:04:05.006Z""#)
        var bare = JSONLineWriter(capacity: 32)
        bare.timestamp(date, quoted: false)
        #expect(bare.text == "2026-01-02T03:04:05.006Z")
    }

    @Test func membersKeepNumbersAndBooleans() {
        var line = JSONLineWriter(capacity: 64)
        line.open()
        line.member("n", .stringConvertible(-42), first: true)
        line.member("x", .stringConvertible(Double.infinity))
        line.member("b", .stringConvertible(false))
        line.member("o", .dictionary(["z": "1", "a": .array([.stringConvertible(1), "s"])]))
        line.close()
        #expect(line.text == #"{"n":-42,"x":null,"b":false,"o":{"a":[1,"s"],"z":"1"}}"#)
    }
}
