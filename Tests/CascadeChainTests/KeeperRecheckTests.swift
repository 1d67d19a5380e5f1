import CascadeChain
import CascadeCore
import CascadeKernel
import Testing

@testable import CascadeAgents

/// A keeper's back-off on a Clipper auction that gives it nothing to do: `auction_recheck`
/// doubled per empty look, up to `auction_recheck_max` (its attentiveness), never below
/// the recheck itself.
@Suite("Keepers: auction back-off and its limit")
struct KeeperRecheckTests {
    func settings(recheck: SimTime, limit: SimTime? = nil) -> KeeperSettings {
        var settings = KeeperSettings(
            name: "k", address: Address(1), auctionRecheck: recheck)
        if let limit { settings.auctionRecheckLimit = limit }
        return settings
    }

    func waits(_ settings: KeeperSettings, looks: Int) -> [Int64] {
        (0..<looks).map { settings.auctionBackoff(after: $0).wholeSeconds }
    }

    @Test("the defaults: 90 s, doubling, every 10 minutes from the fourth empty look")
    func defaults() {
        let keeper = settings(recheck: .seconds(90))
        #expect(keeper.effectiveRecheckLimit == .seconds(600))
        #expect(waits(keeper, looks: 6) == [90, 180, 360, 600, 600, 600])
    }

    @Test("a short recheck doubles all the way to the limit")
    func shortRecheck() {
        #expect(
            waits(settings(recheck: .seconds(12)), looks: 8)
                == [12, 24, 48, 96, 192, 384, 600, 600])
    }

    @Test("a longer limit lets the keeper look less often")
    func longerLimit() {
        let keeper = settings(recheck: .seconds(90), limit: .hours(2))
        #expect(waits(keeper, looks: 9) == [90, 180, 360, 720, 1_440, 2_880, 5_760, 7_200, 7_200])
        // Many empty looks in a row stay at the limit (no overflow).
        #expect(keeper.auctionBackoff(after: 10_000) == .hours(2))
    }

    @Test("a recheck above the limit is the keeper's pace, not cut to the limit")
    func recheckAboveLimit() {
        let keeper = settings(recheck: .hours(1))
        #expect(keeper.effectiveRecheckLimit == .hours(1))
        #expect(waits(keeper, looks: 3) == [3_600, 3_600, 3_600])
    }
}
