import NIOCore
import Testing
@testable import SwitchboardCore

@Suite struct DecimalTextTests {
    static let values = [0, 1, -1, 7, 9, 10, 99, 100, 200, 404, 12_345, -987_654, 1 << 40, Int.max, Int.min, Int.max - 1, Int.min + 1]

    @Test(arguments: values)
    func aStringIsTheStandardLibrarysText(value: Int) {
        #expect(String(decimal: value) == String(value))
    }

    @Test(arguments: values)
    func aBufferGetsTheSameBytes(value: Int) {
        var buffer = ByteBuffer(string: "x=")
        let written = buffer.writeDecimal(value)
        #expect(String(buffer: buffer) == "x=" + String(value))
        #expect(written == String(value).utf8.count)
    }
}
