import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where finished log lines go: the executable writes them to stdout through a ``BufferedLogWriter``, tests to
/// memory. A line comes without its newline, with the level it was logged at.
public struct LogOutput: Sendable {
    public let write: @Sendable (_ line: String, _ level: Logger.Level) -> Void

    /// An output that does not care about levels.
    public init(_ write: @escaping @Sendable (String) -> Void) { self.write = { line, _ in write(line) } }

    /// An output that may treat levels differently (a buffered one writes errors at once).
    public init(levelled write: @escaping @Sendable (_ line: String, _ level: Logger.Level) -> Void) { self.write = write }

    /// Standard output, one `write` per line (so lines from several threads never interleave).
    public static let standardOutput = LogOutput { line in
        var line = line + "\n"
        line.withUTF8 { LogFile.write(UnsafeRawBufferPointer($0), to: 1) }
    }

    /// Lines gathered by `writer`, which writes them in batches.
    public static func buffered(_ writer: BufferedLogWriter) -> LogOutput {
        LogOutput(levelled: { line, level in writer.append(line, urgent: level >= .error) })
    }
}

/// `write(2)` until every byte is out.
enum LogFile {
    static func write(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) {
        var offset = 0
        while offset < bytes.count {
            #if canImport(Glibc)
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            #else
            let written = Darwin.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            #endif
            if written < 0, errno == EINTR { continue }
            // A closed or broken output: the lines are dropped rather than blocking the gateway.
            if written <= 0 { return }
            offset += written
        }
    }
}
