import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
@testable import SwitchboardServer
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The gateway's own listeners: the connection limit across them, and a port already taken.
@Suite struct ListenerTests {
    typealias Raw = ConnectionDriverTests

    @Test func theGateAdmitsUpToItsLimitAndResumesAParkedListenerOnClose() {
        let gate = ConnectionGate(limit: 2)
        let resumed = NIOLockedValueBox(0)
        #expect(gate.tryAdmit())
        #expect(gate.admits())
        #expect(gate.tryAdmit())
        #expect(!gate.admits())
        #expect(!gate.tryAdmit())
        #expect(gate.openConnections == 2)
        gate.park { resumed.withLockedValue { $0 += 1 } }
        #expect(resumed.withLockedValue { $0 } == 0)
        gate.connectionClosed()
        #expect(resumed.withLockedValue { $0 } == 1)
        #expect(gate.admits())
        // Resumed once: a later close finds no one parked.
        gate.connectionClosed()
        #expect(resumed.withLockedValue { $0 } == 1)
        #expect(gate.openConnections == 0)
    }

    /// A listener that parks just after a close freed a place (the close saw no one parked) is resumed at once.
    @Test func aParkAfterAPlaceFreedResumesAtOnce() {
        let gate = ConnectionGate(limit: 1)
        let resumed = NIOLockedValueBox(0)
        gate.park { resumed.withLockedValue { $0 += 1 } }
        #expect(resumed.withLockedValue { $0 } == 1)
    }

    /// With `max_connections` 2, a third client waits until one of the two closes, then is served: whichever of
    /// the per-loop listeners it reached, and although each listener had asked to accept before the limit was
    /// reached. (Waiting is observed over a window: a gate that leaked would answer within it.)
    @Test func aConnectionOverTheLimitIsServedOnceAnotherCloses() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in configuration.maxConnections = 2 }) { gateway in
            let first = try await RawConnection.open(gateway.gatewayURL)
            let second = try await RawConnection.open(gateway.gatewayURL)
            for (connection, id) in [(first, "first"), (second, "second")] {
                try await connection.send(Raw.get("/health", id: id))
                let text = await connection.read { $0.hasSuffix(#"{"status":"ok"}"#) }
                #expect(Raw.responseIDs(text) == [id])
            }
            let third = try await RawConnection.open(gateway.gatewayURL)
            try await third.send(Raw.get("/health", id: "third"))
            let early = await third.read(within: .milliseconds(300)) { $0.hasSuffix(#"{"status":"ok"}"#) }
            #expect(early == nil)
            await first.close()
            let text = await third.read { $0.hasSuffix(#"{"status":"ok"}"#) }
            #expect(Raw.responseIDs(text) == ["third"])
            await second.close()
            await third.close()
        }
    }

    /// Listeners share their port with `SO_REUSEPORT`; a second server on a port in use still fails to start.
    @Test func aSecondServerOnAPortInUseFailsToStart() async throws {
        try await GatewayHarness.run { gateway in
            let port = Int(gateway.gatewayURL.split(separator: ":").last!)!
            let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            let serving = RequestServing(router: Router(context: GatewayRequestContext.self), logger: quiet, serverName: "second")
            let limits = RequestDriver.Limits(
                maxBodyBytes: 1_024, bodyTimeout: .seconds(1), keepAliveTimeout: .seconds(1), sendTimeout: .seconds(1)
            )
            let second = GatewayListener(
                configuration: .init(host: "127.0.0.1", port: port, backlog: 16, maxConnections: 16), group: .singleton,
                connection: GatewayHTTP1Channel(serving: serving, limits: limits), onRunning: { _ in }, logger: quiet
            )
            let error = await #expect(throws: IOError.self) { try await second.run() }
            #expect(error?.errnoCode == EADDRINUSE)
            // The first server still answers.
            let connection = try await RawConnection.open(gateway.gatewayURL)
            try await connection.send(Raw.get("/health", id: "still"))
            let text = await connection.read { $0.hasSuffix(#"{"status":"ok"}"#) }
            #expect(Raw.responseIDs(text) == ["still"])
            await connection.close()
        }
    }
}
