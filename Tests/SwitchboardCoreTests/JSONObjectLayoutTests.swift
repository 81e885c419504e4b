@testable import SwitchboardCore
import Testing

/// The layout scanner's structure checks: duplicate keys however many there are, and brackets matched at any depth.
@Suite struct JSONObjectLayoutTests {
    static func layout(_ json: String) -> JSONObjectLayout? {
        Array(json.utf8).withUnsafeBytes { JSONObjectLayout($0) }
    }

    /// `{"k0":0,...}` with `count` distinct keys, and `extra` members after them.
    static func object(keys count: Int, extra: String = "") -> String {
        "{" + (0..<count).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + extra + "}"
    }

    @Test(arguments: [1, 7, 8, 9, 20, 300])
    func aDuplicateKeyIsRefusedWhereverItIs(count: Int) {
        #expect(Self.layout(Self.object(keys: count))?.members.count == count)
        #expect(Self.layout(Self.object(keys: count, extra: ",\"k0\":1")) == nil, "a repeat of the first key")
        #expect(Self.layout(Self.object(keys: count, extra: ",\"k\(count - 1)\":1")) == nil, "a repeat of the last key")
        #expect(Self.layout(Self.object(keys: count, extra: ",\"new\":1,\"new\":2")) == nil, "a repeat after them")
    }

    /// The same members as bytes, for reading an answer: duplicates refused on both sides of the pairwise/set switch.
    @Test(arguments: [1, 7, 16, 17, 300])
    func spansRefuseADuplicateKeyWhereverItIs(count: Int) {
        func spans(_ json: String) -> [String]? {
            Array(json.utf8).withUnsafeBytes { bytes in
                JSONObjectSpans(bytes).map { $0.members.map { String(decoding: UnsafeRawBufferPointer(rebasing: bytes[$0.key]), as: UTF8.self) } }
            }
        }
        #expect(spans(Self.object(keys: count)) == (0..<count).map { "k\($0)" })
        #expect(spans(Self.object(keys: count, extra: ",\"k0\":1")) == nil, "a repeat of the first key")
        #expect(spans(Self.object(keys: count, extra: ",\"k\(count - 1)\":1")) == nil, "a repeat of the last key")
        #expect(spans(Self.object(keys: count, extra: ",\"k\":1,\"kk\":2")) != nil, "a key that is another's prefix")
    }

    @Test func spansReadMembersByKeyBytes() throws {
        let json = #"{"usage":{"prompt_tokens":12},"usage_x":1,"n":7}"#
        let values = Array(json.utf8).withUnsafeBytes { bytes -> [String?] in
            guard let spans = JSONObjectSpans(bytes) else { return [] }
            return ["usage", "n", "missing"].map { key in
                let found = switch key {
                case "usage": spans.range(of: "usage", in: bytes)
                case "n": spans.range(of: "n", in: bytes)
                default: spans.range(of: "missing", in: bytes)
                }
                return found.map { String(decoding: UnsafeRawBufferPointer(rebasing: bytes[$0]), as: UTF8.self) }
            }
        }
        #expect(values == [#"{"prompt_tokens":12}"#, "7", nil])
        for refused in [#"{"a\u0062":1}"#, "{\"a\u{01}b\":1}", #"{"a":"x"#, #"{"a":1} x"#] {
            #expect(Array(refused.utf8).withUnsafeBytes { JSONObjectSpans($0) } == nil, "\(refused)")
        }
    }

    @Test(arguments: [1, 63, 64, 65, 200])
    func bracketsMatchAtEveryDepth(depth: Int) throws {
        let opening = (0..<depth).map { $0 % 3 == 0 ? "[" : "{\"a\":" }
        let closing = opening.reversed().map { $0 == "[" ? "]" : "}" }
        let nested = opening.joined() + "1" + closing.joined()
        let layout = try #require(Self.layout("{\"x\":\(nested),\"y\":2}"))
        #expect(layout.members.map(\.key) == ["x", "y"])
        #expect(layout.range(of: "x")?.count == nested.utf8.count)
        // The innermost closer swapped for the other kind.
        var mismatched = closing
        mismatched[0] = mismatched[0] == "]" ? "}" : "]"
        #expect(Self.layout("{\"x\":\(opening.joined())1\(mismatched.joined()),\"y\":2}") == nil)
        // The outermost closer swapped.
        mismatched = closing
        mismatched[depth - 1] = mismatched[depth - 1] == "]" ? "}" : "]"
        #expect(Self.layout("{\"x\":\(opening.joined())1\(mismatched.joined())}") == nil)
        #expect(Self.layout("{\"x\":\(opening.joined())1}") == nil, "unclosed")
    }
}
