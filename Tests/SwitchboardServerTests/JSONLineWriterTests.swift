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

    /// The eight-byte scan finds a byte that needs escaping at any place of a word, and in the tail after the last
    /// whole word; the bytes around it are copied as they are.
    @Test func findsEscapesAtEveryOffset() {
        for length in 1...19 {
            for offset in 0..<length {
                for special in ["\"", "\\", "\u{1F}", "é"] {
                    var characters = Array(repeating: "a", count: length)
                    characters[offset] = special
                    var line = JSONLineWriter(capacity: 64)
                    line.string(characters.joined())
                    let escaped = special == "\"" ? "\\\"" : special == "\\" ? "\\\\" : special == "\u{1F}" ? "\\u001f" : "é"
                    characters[offset] = escaped
                    #expect(line.text == "\"" + characters.joined() + "\"", "length \(length), offset \(offset)")
                }
            }
        }
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
        line.member(named: "n", .stringConvertible(-42), first: true)
        line.member(named: "x", .stringConvertible(Double.infinity))
        line.member(named: "b", .stringConvertible(false))
        line.member(named: "o", .dictionary(["z": "1", "a": .array([.stringConvertible(1), "s"])]))
        line.close()
        #expect(line.text == #"{"n":-42,"x":null,"b":false,"o":{"a":[1,"s"],"z":"1"}}"#)
    }
}
