import Foundation
import HTTPTypes
import NIOCore
import Synchronization

/// The fields every final answer of a listener carries, written by ``GatewayHTTP1Codec`` as bytes made once:
/// `Date` (RFC 9110's IMF-fixdate, made once a second), `Server`, and the fixed security fields
/// (``SecurityHeaders/everyAnswer(hsts:)``). Added to each response as fields, they were six appends and six
/// header lines to format per request, 2% of a proxied request's instructions and 6% of a refused one's.
final class ResponseStamp: Sendable {
    /// The lines after `Date`, with their line ends.
    private let fixedLines: ByteBuffer
    /// The `Date` line of the current second.
    private let dateLine = Mutex<(second: Int, line: ByteBuffer)>((-1, ByteBuffer()))

    /// The stamp of a listener whose `Server` is `serverName`, with `fields` after it.
    init(serverName: String, fields: [HTTPField] = []) {
        var lines = ByteBuffer()
        lines.writeHeaderLine(name: HTTPField.Name.server.rawName, value: serverName)
        for field in fields { lines.writeHeaderLine(name: field.name.rawName, value: field.value) }
        fixedLines = lines
    }

    /// Writes the lines, each with its line end.
    func write(into buffer: inout ByteBuffer, now: Date = Date()) {
        var date = dateLine(now: now)
        buffer.writeBuffer(&date)
        buffer.writeImmutableBuffer(fixedLines)
    }

    /// The `Date` line for `now`.
    func dateLine(now: Date) -> ByteBuffer {
        let second = Int(now.timeIntervalSince1970)
        return dateLine.withLock { cached in
            if cached.second != second {
                var line = ByteBuffer()
                line.writeHeaderLine(name: HTTPField.Name.date.rawName, value: Self.imfFixdate(second))
                cached = (second, line)
            }
            return cached.line
        }
    }

    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func imfFixdate(_ secondsSince1970: Int) -> String {
        var seconds = time_t(secondsSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
