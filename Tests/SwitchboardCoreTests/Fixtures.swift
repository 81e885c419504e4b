import Testing
import Foundation
import NIOCore
import SwitchboardCore

/// Loads recorded wire fixtures from the test bundle.
enum Fixture {
    static func data(_ name: String, in folder: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/\(folder)"))
        return try Data(contentsOf: url)
    }

    /// Parses a recorded SSE body, fed in small slices to exercise chunk boundaries.
    static func events(_ name: String, in folder: String, sliceSize: Int = 7) throws -> [ServerSentEvent] {
        let bytes = Array(try data(name, in: folder))
        var parser = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + sliceSize, bytes.count)
            events += parser.feed(ByteBuffer(bytes: bytes[offset..<end]))
            offset = end
        }
        if let last = parser.finish() { events.append(last) }
        return events
    }
}

