import Foundation
@testable import SwitchboardCore
import Testing

@Suite struct JSONValueTextTests {
    @Test func compactTextIsExactAndSortsKeys() {
        let value: JSONValue = [
            "z": [1, .double(2.5), true, nil], "a": "say \"hi\"\\\n\t\u{1}", "m": ["nested": [:], "empty": []],
        ]
        #expect(value.compactText == #"{"a":"say \"hi\"\\\n\t\u0001","m":{"empty":[],"nested":{}},"z":[1,2.5,true,null]}"#)
    }

    @Test func compactTextDecodesBackToTheSameValue() throws {
        let value: JSONValue = [
            "id": "chatcmpl-1", "created": .int(1_733_000_000), "choices": [["index": 0, "delta": ["content": "héllo 👋"]]],
            "usage": nil, "ratio": .double(-0.125),
        ]
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(value.compactText.utf8))
        #expect(decoded == value)
    }

    @Test func nonFiniteDoublesBecomeNull() {
        #expect(JSONValue.array([.double(.infinity), .double(.nan)]).compactText == "[null,null]")
    }
}
