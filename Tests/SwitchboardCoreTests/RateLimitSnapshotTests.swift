@testable import SwitchboardCore
import Testing

@Suite struct RateLimitSnapshotTests {
    @Test func keepsTheBucketWithTheFewestRemainingPerUnit() {
        let snapshot = RateLimitSnapshot([
            LimitKey(.key("k1"), .requests): BucketState(limit: 100, remaining: 40, resetSeconds: 1),
            LimitKey(.tenant("t1"), .requests): BucketState(limit: 1000, remaining: 7, resetSeconds: 30),
            LimitKey(.key("k1"), .tokens): BucketState(limit: 5000, remaining: 4000, resetSeconds: 2),
        ])
        #expect(snapshot[.requests] == BucketState(limit: 1000, remaining: 7, resetSeconds: 30))
        #expect(snapshot[.tokens] == BucketState(limit: 5000, remaining: 4000, resetSeconds: 2))
    }

    @Test func aUnitWithoutLimitsHasNoState() {
        let snapshot = RateLimitSnapshot([LimitKey(.key("k1"), .tokens): BucketState(limit: 10, remaining: 10, resetSeconds: 0)])
        #expect(snapshot[.requests] == nil)
        #expect(snapshot[.tokens]?.limit == 10)
    }
}
