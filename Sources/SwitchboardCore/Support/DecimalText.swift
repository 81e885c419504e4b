import NIOCore

/// Integers in decimal, written straight into their destination.
///
/// `String(_: Int)` and string interpolation go through the standard library's generic integer description
/// (about 250 instructions each, callgrind), and a request formats about a dozen: header values, the status
/// line, lengths. These count the digits, then write them backwards straight into the destination.
public enum DecimalText {
    /// How many bytes `value` takes in decimal, its sign included.
    @inline(__always)
    static func length(of value: Int) -> Int {
        var magnitude = value.magnitude
        var count = value < 0 ? 2 : 1
        while magnitude >= 10 {
            magnitude /= 10
            count += 1
        }
        return count
    }

    /// Writes `value`, which takes `length` bytes (``length(of:)``), into the start of `output`; returns `length`.
    @inline(__always)
    static func write(_ value: Int, length: Int, into output: UnsafeMutableRawBufferPointer) -> Int {
        var magnitude = value.magnitude
        var index = length
        repeat {
            index -= 1
            output[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
        } while magnitude != 0
        if value < 0 { output[0] = UInt8(ascii: "-") }
        return length
    }
}

extension String {
    /// `value` in decimal: the same text as `String(value)`, without the generic description.
    public init(decimal value: Int) {
        // Sized to the digits: up to 15 bytes the string is stored inline, without an allocation.
        let length = DecimalText.length(of: value)
        self.init(unsafeUninitializedCapacity: length) { output in
            DecimalText.write(value, length: length, into: UnsafeMutableRawBufferPointer(output))
        }
    }
}

extension ByteBuffer {
    /// Writes `value` in decimal ASCII; returns the number of bytes written.
    @discardableResult
    public mutating func writeDecimal(_ value: Int) -> Int {
        let length = DecimalText.length(of: value)
        return writeWithUnsafeMutableBytes(minimumWritableBytes: length) { output in
            DecimalText.write(value, length: length, into: output)
        }
    }
}
