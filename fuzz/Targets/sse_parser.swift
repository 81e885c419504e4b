import FuzzCore
import NIOCore

/// Any bytes as a Server-Sent Events stream: parsing never crashes, and feeding the bytes in two slices (split
/// where the first byte says) gives the same events as feeding them at once.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSSEParser(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    var whole = ServerSentEventParser()
    var expected = whole.feed(ByteBuffer(bytes: bytes))
    if let last = whole.finish() { expected.append(last) }
    let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    var sliced = ServerSentEventParser()
    var events = sliced.feed(ByteBuffer(bytes: bytes[..<split]))
    events += sliced.feed(ByteBuffer(bytes: bytes[split...]))
    if let last = sliced.finish() { events.append(last) }
    precondition(events == expected, "splitting the input changed the events")
    return 0
}
