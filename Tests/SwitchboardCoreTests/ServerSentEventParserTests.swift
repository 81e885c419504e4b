import NIOCore
import SwitchboardCore
import Testing

@Suite struct ServerSentEventParserTests {
    @Test(arguments: [1, 2, 5, 64, 4096])
    func parsesEventsWhateverTheSplit(sliceSize: Int) throws {
        let events = try Fixture.events("stream-with-usage.sse", in: "openai", sliceSize: sliceSize)
        #expect(events.count == 6)
        #expect(events.last?.data == "[DONE]")
        #expect(events.first?.data.hasPrefix("{\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\"") == true)
    }

    @Test func handlesCRLFCommentsEventNamesAndMultilineData() {
        var parser = ServerSentEventParser()
        let text = ": keep-alive\r\nevent: message_start\r\ndata: {\"a\":1}\r\n\r\ndata: line one\ndata: line two\n\n"
        let events = parser.feed(ByteBuffer(string: text))
        #expect(events == [
            ServerSentEvent(event: "message_start", data: "{\"a\":1}"),
            ServerSentEvent(event: nil, data: "line one\nline two"),
        ])
    }

    @Test func lineEndingSplitBetweenCRAndLF() {
        var parser = ServerSentEventParser()
        var events = parser.feed(ByteBuffer(string: "data: x\r"))
        events += parser.feed(ByteBuffer(string: "\n\r"))
        events += parser.feed(ByteBuffer(string: "\ndata: y\n\n"))
        #expect(events.map(\.data) == ["x", "y"])
    }

    @Test func finishReturnsTrailingEventWithoutBlankLine() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(ByteBuffer(string: "data: tail")).isEmpty)
        #expect(parser.finish()?.data == "tail")
        #expect(parser.finish() == nil)
    }
}
