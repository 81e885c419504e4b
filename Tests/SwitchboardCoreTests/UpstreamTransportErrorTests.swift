import Foundation
import NIOCore
import NIOPosix
@testable import SwitchboardCore
import Testing

/// A failed upstream connect is told apart by cause: the gateway out of descriptors is its own overload, not
/// the provider's failure, so it must not open the provider's breaker or be retried elsewhere.
@Suite struct UpstreamTransportErrorTests {
    @Test(arguments: [EMFILE, ENFILE])
    func theGatewaysOwnDescriptorLimitIsNotAConnectFailure(errno: Int32) {
        let failure = UpstreamTransportError.connectFailure(IOError(errnoCode: errno, reason: "socket(domain:type:protocolSubtype:)"))
        #expect(failure.kind == .outOfDescriptors)
    }

    @Test func otherCausesKeepTheirKind() {
        #expect(UpstreamTransportError.connectFailure(IOError(errnoCode: ECONNREFUSED, reason: "connect")).kind == .connectFailed)
        #expect(UpstreamTransportError.connectFailure(ChannelError.connectTimeout(.seconds(1))).kind == .connectTimeout)
    }

    @Test func outOfDescriptorsAnswers503WithoutBlamingTheProvider() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pool = UpstreamConnectionPool(group: group)
        let http = UpstreamHTTP(connections: pool, timeouts: UpstreamTimeouts(), provider: "openai")
        let classified = http.classify(UpstreamTransportError.outOfDescriptors, beforeHeaders: true)
        #expect(classified as? GatewayError == .overloaded)
        #expect(GatewayError.overloaded.statusCode == 503)
        #expect(GatewayError.overloaded.retryAfterSeconds == 1)
        #expect(!(classified is UpstreamError))
        await pool.shutdown()
        try await group.shutdownGracefully()
    }
}
