import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

/// Compound's anchor in a running lending world: the oracle node posts the reporter's price
/// with the anchor venue's TWAP, and the anchored view stores it only within tolerance.
@Suite("lending anchor: Compound's view checks reports against a TWAP venue")
struct LendingAnchorTests {
    static let usdc = 0
    static let dai = 1

    /// Compound with USDC and DAI (75% factors). DAI's reporter venue follows market asset
    /// `DAI` — constant $1, then `jump` at one minute — and its anchor venue follows
    /// `DAI-UNISWAP`, constant $1, averaged over five minutes. Tolerance ±20%. No accounts:
    /// only the oracle node runs.
    static func world(jump: Double) -> ProtocolWorldConfiguration {
        let market = MarketConfiguration(
            assets: [
                MarketAsset(name: "ETH", model: .constant(price: 1_000)),
                MarketAsset(name: "USDC", model: .constant(price: 1)),
                MarketAsset(
                    name: "DAI", model: .constant(price: 1),
                    shocks: [ScriptedShock(start: .seconds(60), change: jump)]),
                MarketAsset(name: "DAI-UNISWAP", model: .constant(price: 1)),
            ], resolution: .seconds(1), horizon: .minutes(30))
        let deep = ProtocolWorldFixture.deepVenue
        let feed = ProtocolWorldFixture.lendingFeed
        let assets = [
            LendingAssetSettings(
                symbol: "USDC", asset: "USDC", decimals: 6, ltvBps: 7_500,
                liquidationThresholdBps: 7_500, venue: deep, operators: 1, quorum: 1,
                operatorTemplate: feed),
            LendingAssetSettings(
                symbol: "DAI", asset: "DAI", decimals: 18, ltvBps: 7_500,
                liquidationThresholdBps: 7_500, venue: deep, operators: 1, quorum: 1,
                operatorTemplate: feed, deviationPPB: 10_000_000,
                anchor: LendingAnchorSettings(asset: "DAI-UNISWAP", windowSeconds: 300)),
        ]
        let lending = LendingSettings(kind: .compound, assets: assets)
        return ProtocolWorldFixture.lendingWorld(
            seed: 3, market: market, lending: lending)
    }

    /// Runs the world for five minutes; returns the view's DAI price (WAD) and the
    /// ledger's count of refused reports.
    static func run(jump: Double) throws -> (price: UInt256, refused: Int, accepted: Int) {
        let recorder = AnchorRecorder()
        let world = try ProtocolWorld(world(jump: jump), observer: recorder)
        let outcome = try world.run(until: .minutes(5))
        #expect(outcome != .stopped)
        let view = recorder.lastState?.compoundComptrollers[0].oracle
        return (
            try #require(view).prices[dai], recorder.ledger.totals.refusedPriceReports,
            recorder.accepted
        )
    }

    @Test("a report 30% above the anchor is refused and the view keeps $1")
    func refused() throws {
        let result = try Self.run(jump: 0.3)
        #expect(result.price == .wad, "view moved to \(result.price)")
        #expect(result.refused >= 1)
        #expect(result.accepted == 0)
    }

    @Test("a report 10% above the anchor is within ±20% and posted")
    func accepted() throws {
        let result = try Self.run(jump: 0.1)
        // 1.1 as the operator saw it (no noise): the Double 1.1 as WAD, exactly.
        #expect(result.price == UInt256(truncating: 1.1 * 1e18))
        #expect(result.refused == 0)
        #expect(result.accepted >= 1)
    }

    @Test("the anchor is the venue's average over the window, read at the node's time")
    func twapOfTheVenuePath() throws {
        var configuration = Self.world(jump: 0)
        // The anchor venue follows DAI itself: one minute after a +30% jump, a five-minute
        // window holds four minutes at $1 and one at $1.30.
        configuration.lending?.assets[Self.dai].anchor = LendingAnchorSettings(
            asset: "DAI", windowSeconds: 300)
        configuration.market.assets[2].shocks = [ScriptedShock(start: .seconds(60), change: 0.3)]
        let world = try ProtocolWorld(configuration, observer: nil)
        let node = try #require(world.lending?.transmitter)
        let anchor = try #require(node.anchorPrice(Self.dai, at: .seconds(120)))
        let expected = (240.0 * 1 + 60.0 * 1.3) / 300
        let wad = try #require(UInt256(truncating: expected * 1e18))
        let slack = UInt256(1_000_000 as UInt64)  // Double rounding, far below a cent
        #expect(anchor + slack >= wad && anchor <= wad + slack, "anchor \(anchor)")
        #expect(node.anchorPrice(Self.usdc, at: .seconds(120)) == nil)
    }
}

/// Feeds a `RaceLedger` every block and keeps the last state and the accepted DAI reports.
final class AnchorRecorder: ProtocolBlockObserver {
    var ledger = RaceLedger()
    var lastState: ProtocolState?
    var accepted = 0

    func didProduce(
        _ block: BlockResult<ProtocolState.Call, ProtocolState.Event>, state: ProtocolState,
        prices: [CollateralBlockPrices]
    ) {
        for event in block.events {
            if case .compound(_, .oracle(.oracleUpdated(LendingAnchorTests.dai, let update, _))) =
                event, update.accepted
            {
                accepted += 1
            }
        }
        var market: [UInt256?] = []
        for price in prices {
            let slot = Int(price.ilk.rawValue)
            while market.count <= slot { market.append(nil) }
            market[slot] = UInt256(truncating: price.marketPrice * 1e18)
        }
        ledger.record(block, state: state, marketPrices: market)
        lastState = state
    }
}
