import NIOCore

extension ByteBuffer {
    /// Writes one header line, `name: value` and CRLF, in a single write.
    ///
    /// Each `ByteBuffer` write checks the capacity, the buffer's uniqueness and its bounds before it copies, about
    /// as many instructions as a short header line's bytes: the four writes a line took (name, separator, value,
    /// line end) were about 100 writes per proxied request, a few percent of its instructions (callgrind).
    public mutating func writeHeaderLine(name: String, value: UnsafeRawBufferPointer) {
        var name = name
        name.withUTF8 { name in
            let count = name.count + value.count + 4
            writeWithUnsafeMutableBytes(minimumWritableBytes: count) { output in
                var offset = 0
                func copy(_ bytes: UnsafeRawBufferPointer) {
                    UnsafeMutableRawBufferPointer(rebasing: output[offset..<offset + bytes.count]).copyMemory(from: bytes)
                    offset += bytes.count
                }
                copy(UnsafeRawBufferPointer(name))
                output[offset] = UInt8(ascii: ":")
                output[offset + 1] = UInt8(ascii: " ")
                offset += 2
                copy(value)
                output[offset] = UInt8(ascii: "\r")
                output[offset + 1] = UInt8(ascii: "\n")
                return count
            }
        }
    }

    /// ``writeHeaderLine(name:value:)`` with a string value.
    public mutating func writeHeaderLine(name: String, value: String) {
        var value = value
        value.withUTF8 { writeHeaderLine(name: name, value: UnsafeRawBufferPointer($0)) }
    }
}
