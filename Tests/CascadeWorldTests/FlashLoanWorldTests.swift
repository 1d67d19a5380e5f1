import CascadeAgents
import CascadeChain
import CascadeCore
import CascadeTestSupport
import CascadeWorld
import Foundation
import Testing

/// `protocol.lending.pair` and `flash_attackers`: the bundled flash-loan worlds decode into
/// the pair's settings and the attacker's, and bad keys are refused with their path.
extension WorldModelTests {
    static func flashWorld(_ name: String) throws -> String {
        let url = CLIRunner.packageRoot.appendingPathComponent("worlds/\(name).json")
        return try String(contentsOf: url, encoding: .utf8)
    }

    func lending(_ world: World) throws -> LendingSettings {
        var configuration: ProtocolWorldConfiguration?
        if case .protocol(let protocolConfiguration) = world.model {
            configuration = protocolConfiguration
        }
        return try #require(configuration?.lending)
    }

    @Test("flash-loan-spot-oracle decodes its pair, arbitrageur and attacker")
    func flashSpotWorld() throws {
        let lending = try lending(try decode(try Self.flashWorld("flash-loan-spot-oracle")))
        let pair = try #require(lending.pair)
        #expect(lending.kind == .aave(.v2))
        #expect(lending.assets.map(\.symbol) == ["USDC", "TKN"])
        #expect(pair.asset == 1 && pair.quote == 0)
        #expect(pair.assetReserve == UInt256(100_000 as UInt64) * .wad)
        #expect(pair.quoteReserve == UInt256(100_000_000_000 as UInt64))
        #expect(pair.priceSource == .spot)
        #expect(pair.poker == nil)
        let arbitrageur = try #require(pair.arbitrageur)
        #expect(arbitrageur.threshold == 0.01)
        #expect(arbitrageur.collateralCapital == 1_000_000 && arbitrageur.daiCapital == 1_000_000)
        #expect(arbitrageur.address == ProtocolWorld.lendingArbitrageur)
        #expect(lending.flashAttackers.map(\.name) == ["flash-attacker-0"])
        #expect(lending.flashAttackers[0].address == ProtocolWorld.flashAttacker(0))
        #expect(lending.flashAttackers[0].sizes == 8)
        #expect(lending.flashAttackers[0].minimumProfit == 1_000)
        #expect(lending.amountUnit == "USDC")
    }

    @Test("the TWAP counterfactual differs only in its price source, with a poker")
    func flashTWAPWorld() throws {
        let spot = try lending(try decode(try Self.flashWorld("flash-loan-spot-oracle")))
        let twap = try lending(try decode(try Self.flashWorld("flash-loan-spot-oracle-twap")))
        let pair = try #require(twap.pair)
        #expect(pair.priceSource == .twap(windowSeconds: 1_800))
        #expect(pair.poker?.address == ProtocolWorld.lendingTWAPPoker)
        var same = twap
        same.pair?.priceSource = .spot
        same.pair?.poker = nil
        #expect(same == spot)
        // Without `twap_window` the window is Compound's and Uniswap's example 30 minutes.
        let defaulted = try lending(
            try decode(
                try Self.flashWorld("flash-loan-spot-oracle"),
                overrides: ["protocol.lending.pair.price_source=\"twap\""]))
        #expect(defaulted.pair?.priceSource == .twap(windowSeconds: 1_800))
    }

    @Test(
        "bad pair and attacker keys are refused with their JSON path",
        arguments: [
            (["protocol.lending.pair.twap_poker={}"], "protocol.lending.pair.twap_poker"),
            (["protocol.lending.pair.asset=\"ETH\""], "protocol.lending.pair.asset"),
            (["protocol.lending.pair.asset_reserve=0"], "protocol.lending.pair.asset_reserve"),
            (
                [
                    "protocol.lending.pair.price_source=\"twap\"",
                    "protocol.lending.pair.twap_window=\"10s\"",
                ], "protocol.lending.pair.twap_window"
            ),
            (
                ["protocol.lending.flash_attackers.min_profit=-1"],
                "protocol.lending.flash_attackers.min_profit"
            ),
            (
                ["protocol.lending.flash_attackers.sizes=\"8\""],
                "protocol.lending.flash_attackers.sizes"
            ),
        ])
    func badFlashKeys(overrides: [String], path: String) throws {
        let text = try Self.flashWorld("flash-loan-spot-oracle")
        do {
            _ = try decode(text, overrides: overrides)
            Issue.record("\(overrides) was accepted")
        } catch {
            #expect(error.path.hasPrefix(path), "\(overrides): \(error)")
        }
    }
}
