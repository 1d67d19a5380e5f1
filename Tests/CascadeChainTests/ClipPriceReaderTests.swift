import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

@testable import CascadeAgents

/// The keeper's Clipper reader against the contract: the same status as
/// `MakerSystem.clipStatus` and the same plan as `ProtocolState.plannedTake`, to the wei, for
/// every live auction of a crash, at moments across each auction's life and for amounts
/// from dust to more than the lot.
@Suite("Keepers: Clipper prices from the factor table")
struct ClipPriceReaderTests {
    @Test(arguments: [7, 8] as [UInt64])
    func readerMatchesTheContract(seed: UInt64) throws {
        let recorder = RaceRecorder()
        let configuration = ProtocolWorldFixture.world(
            seed: seed,
            keepers: [ProtocolWorldFixture.keeper(0, gwei: 30, dai: 100, flash: false)],
            borrowers: ProtocolWorldFixture.borrowers(count: 40, ratio: 1.55),
            market: ProtocolWorldFixture.market(crash: -0.55, crashAt: .minutes(2)),
            arbitrage: false)
        let world = try ProtocolWorld(configuration, observer: recorder)
        _ = try world.run(until: .minutes(20))
        let state = try #require(recorder.lastState)
        let auctions = state.maker.liveAuctionIDs
        #expect(!auctions.isEmpty, "seed \(seed): no live auction to compare")
        var reader = ClipPriceReader()
        var compared = 0
        for id in auctions {
            guard case .clip(let sale)? = state.maker.auction(id) else { continue }
            // Before the start, within the first steps, across the life, past the tail.
            for offset in stride(from: 0 as UInt64, through: 20_000, by: 37) {
                let now = sale.tic + offset >= 5 ? sale.tic + offset - 5 : 0
                let expected = state.maker.clipStatus(id, now: now)
                let quote = reader.quote(id, in: state.maker, now: now)
                #expect(quote?.price == expected?.price, "seed \(seed) auction \(id) at \(now)")
                #expect(quote?.needsRedo == expected?.needsRedo, "seed \(seed) at \(now)")
                #expect(quote?.lot == expected?.lot && quote?.tab == expected?.tab)
                guard let quote, let expected else { continue }
                for amount in [UInt256.one, .wad, sale.lot / 3, sale.lot, sale.lot * 2] {
                    let plan = quote.plannedTake(amount: amount)
                    let contract = state.plannedTake(
                        auction: id, amount: amount, maxPrice: expected.price, now: now)
                    #expect(plan?.slice == contract?.slice, "seed \(seed) at \(now) \(amount)")
                    #expect(plan?.owe == contract?.owe, "seed \(seed) at \(now) \(amount)")
                    compared += 1
                }
            }
        }
        #expect(compared > 1_000, "seed \(seed): only \(compared) plans compared")
    }
}
