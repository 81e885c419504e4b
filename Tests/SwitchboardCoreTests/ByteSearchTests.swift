import NIOCore
import SwitchboardCore
import Testing

/// The byte searches the stream path runs on every chunk, at their edges, and the one-write header line.
@Suite struct ByteSearchTests {
    @Test func findsTheFirstByteWithinItsRange() {
        let text = Array("a\"b\"c".utf8)
        text.withUnsafeBytes { bytes in
            #expect(ByteSearch.firstIndex(of: UInt8(ascii: "\""), in: bytes, from: 0) == 1)
            #expect(ByteSearch.firstIndex(of: UInt8(ascii: "\""), in: bytes, from: 2) == 3)
            #expect(ByteSearch.firstIndex(of: UInt8(ascii: "\""), in: bytes, from: 4) == nil)
            #expect(ByteSearch.firstIndex(of: UInt8(ascii: "\""), in: bytes, from: 5) == nil, "from the end")
            #expect(ByteSearch.firstIndex(of: UInt8(ascii: "\""), in: bytes, from: 9) == nil, "past the end")
            #expect(ByteSearch.firstIndex(of: UInt8(ascii: "\""), in: bytes, from: 2, to: 3) == nil, "the end is exclusive")
            #expect(ByteSearch.firstIndex(of: UInt8(ascii: "\""), in: bytes, from: 2, to: 4) == 3)
            #expect(ByteSearch.firstIndex(of: UInt8(ascii: "c"), in: bytes, from: 0, to: 64) == 4, "an end past the bytes is held to them")
            #expect(ByteSearch.firstIndex(of: UInt8(ascii: "a"), in: bytes, from: -1) == nil)
        }
        #expect(ByteSearch.firstIndex(of: 0, in: UnsafeRawBufferPointer(start: nil, count: 0), from: 0) == nil)
    }

    @Test func comparesWholeBytesAndBytesAtAnOffset() {
        Array("data".utf8).withUnsafeBytes { bytes in
            #expect(ByteSearch.equals(bytes, "data"))
            #expect(!ByteSearch.equals(bytes, "dat"), "a prefix is not equal")
            #expect(!ByteSearch.equals(bytes, "datum"))
            #expect(!ByteSearch.equals(bytes, "Data"))
        }
        #expect(ByteSearch.equals(UnsafeRawBufferPointer(start: nil, count: 0), ""))
        Array(#"{"usage":{}}"#.utf8).withUnsafeBytes { bytes in
            #expect(ByteSearch.matches(bytes, at: 1, #""usage""#))
            #expect(!ByteSearch.matches(bytes, at: 0, #""usage""#))
            #expect(!ByteSearch.matches(bytes, at: 8, #":{}}x"#), "runs past the end")
            #expect(!ByteSearch.matches(bytes, at: -1, "{"))
        }
    }

    @Test(arguments: [("content-type", "application/json"), ("x-empty", ""), ("a", "b: c")])
    func writesAHeaderLineInOneGo(name: String, value: String) {
        var buffer = ByteBuffer(string: "HTTP/1.1 200 OK\r\n")
        buffer.writeHeaderLine(name: name, value: value)
        #expect(String(buffer: buffer) == "HTTP/1.1 200 OK\r\n\(name): \(value)\r\n")
    }
}
