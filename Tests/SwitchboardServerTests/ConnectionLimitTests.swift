@testable import SwitchboardServer
import Testing

@Suite struct ConnectionLimitTests {
    @Test func twoDescriptorsPerConnectionAfterTheReserve() {
        #expect(ConnectionLimit.forDescriptors(20_000) == 9_872)
        #expect(ConnectionLimit.forDescriptors(1_024) == 384)
        #expect(ConnectionLimit.forDescriptors(1_048_576) == 524_160)
    }

    @Test func aTinyDescriptorLimitStillServesSome() {
        #expect(ConnectionLimit.forDescriptors(100) == 16)
    }

    @Test func aConfiguredLimitWins() {
        #expect(ConnectionLimit.resolve(configured: 5) == 5)
        #expect(ConnectionLimit.resolve(configured: nil) == ConnectionLimit.forDescriptors(ConnectionLimit.descriptorLimit(raisingToHard: false)))
    }
}
