@testable import SwitchboardServer
import Testing

@Suite struct MockFaultTests {
    @Test func firstChunkDelayReplacesTheChunkDelayForTheFirstChunkOnly() {
        let (model, fault) = MockFault.split(model: "gpt-4o-mini@first-chunk-delay-ms=0,chunk-delay-ms=5000")
        #expect(model == "gpt-4o-mini")
        #expect(fault?.delayMilliseconds(beforeChunk: 0) == 0)
        #expect(fault?.delayMilliseconds(beforeChunk: 1) == 5000)
        #expect(fault?.delayMilliseconds(beforeChunk: 7) == 5000)
    }

    @Test func withoutAFirstChunkDelayEveryChunkWaitsTheSame() {
        let fault = MockFault(spec: "chunk-delay-ms=40")
        #expect(fault.delayMilliseconds(beforeChunk: 0) == 40)
        #expect(fault.delayMilliseconds(beforeChunk: 3) == 40)
    }
}
