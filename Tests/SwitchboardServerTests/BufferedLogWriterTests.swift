import Foundation
import Logging
@testable import SwitchboardServer
import Testing

/// Batched log lines: nothing is written until a flush, capacity or an error line, and order is kept.
@Suite struct BufferedLogWriterTests {
    /// A pipe whose read end does not block, so that "nothing written yet" can be asserted.
    final class Pipe {
        let read: Int32
        let write: Int32
        init() throws {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw POSIXError(.EMFILE) }
            (read, write) = (ends[0], ends[1])
            _ = fcntl(read, F_SETFL, fcntl(read, F_GETFL) | O_NONBLOCK)
        }
        deinit { close(read); close(write) }

        /// Everything written so far.
        func drain() -> String {
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = chunk.withUnsafeMutableBytes { Glibc.read(read, $0.baseAddress, $0.count) }
                guard count > 0 else { break }
                bytes += chunk[..<count]
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    @Test func linesWaitForAFlushAndKeepTheirOrder() throws {
        let pipe = try Pipe()
        let writer = BufferedLogWriter(descriptor: pipe.write, interval: nil)
        let output = LogOutput.buffered(writer)
        output.write("one", .info)
        output.write("two", .warning)
        #expect(pipe.drain() == "")
        writer.flush()
        #expect(pipe.drain() == "one\ntwo\n")
        writer.flush()
        #expect(pipe.drain() == "", "a flush with nothing waiting writes nothing")
    }

    @Test func anErrorLineIsWrittenAtOnceAfterWhatCameBefore() throws {
        let pipe = try Pipe()
        let output = LogOutput.buffered(BufferedLogWriter(descriptor: pipe.write, interval: nil))
        output.write("info", .info)
        output.write("broken", .error)
        #expect(pipe.drain() == "info\nbroken\n")
        output.write("critical", .critical)
        #expect(pipe.drain() == "critical\n")
    }

    @Test func aFullBufferIsWrittenWithoutWaiting() throws {
        let pipe = try Pipe()
        let output = LogOutput.buffered(BufferedLogWriter(descriptor: pipe.write, interval: nil, capacity: 10))
        output.write("12345", .info)
        #expect(pipe.drain() == "")
        output.write("67890", .info)
        #expect(pipe.drain() == "12345\n67890\n")
    }

    @Test func closeWritesWhatIsWaiting() throws {
        let pipe = try Pipe()
        let writer = BufferedLogWriter(descriptor: pipe.write, interval: .seconds(3600))
        let logger = Logger(label: "switchboard") { label in
            StructuredLogHandler(label: label, format: .text, level: .info, output: .buffered(writer))
        }
        logger.info("last words")
        writer.close()
        #expect(pipe.drain().hasSuffix("INFO switchboard: last words\n"))
    }

    @Test func linesAfterCloseAreWrittenAtOnce() throws {
        let pipe = try Pipe()
        let writer = BufferedLogWriter(descriptor: pipe.write, interval: .seconds(3600))
        writer.close()
        LogOutput.buffered(writer).write("late", .info)
        #expect(pipe.drain() == "late\n")
    }

    @Test func theFlushThreadWritesABatchWithoutBeingAsked() throws {
        let pipe = try Pipe()
        let writer = BufferedLogWriter(descriptor: pipe.write, interval: .milliseconds(1))
        defer { writer.close() }
        LogOutput.buffered(writer).write("by itself", .info)
        var ready = pollfd(fd: pipe.read, events: Int16(POLLIN), revents: 0)
        #expect(poll(&ready, 1, 30_000) == 1, "the line arrives without a flush")
        #expect(pipe.drain() == "by itself\n")
    }
}
