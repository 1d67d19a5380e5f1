import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

@testable import CascadeAgents

/// The keepers' news of a block (`KeeperNews`), read once per block for all of them
/// (`KeeperNewsBook`), against the block's events.
@Suite("Keeper news")
struct KeeperNewsTests {
    /// Each block's events, by block number.
    final class EventsByBlock: ProtocolBlockObserver {
        var blocks: [UInt64: [ProtocolState.Event]] = [:]

        func didProduce(
            _ block: BlockResult<ProtocolState.Call, ProtocolState.Event>, state: ProtocolState,
            prices: [CollateralBlockPrices]
        ) {
            blocks[block.input.number] = block.events
        }
    }

    /// What the keepers' news must say of `event`, written out field by field.
    static func expected(_ event: ProtocolState.Event) -> KeeperNews? {
        guard case .maker(let maker) = event else { return nil }
        switch maker {
        case .kicked(let kick):
            return .kicked(ilk: kick.ilk, auction: kick.auction, keeper: kick.keeper)
        case .barked(let liquidation):
            return .liquidated(ilk: liquidation.ilk, vault: liquidation.vault)
        case .bitten(let liquidation):
            return .liquidated(ilk: liquidation.ilk, vault: liquidation.vault)
        case .taken(let take):
            return .moved(auction: take.auction, by: take.taker)
        case .tended(let bid):
            return .moved(auction: bid.auction, by: bid.bidder)
        case .dented(let bid):
            return .moved(auction: bid.auction, by: bid.bidder)
        default:
            return nil
        }
    }

    @Test("a crash's blocks: every kick, liquidation and bid, in order; one read per block")
    func crashNews() throws {
        let recorder = EventsByBlock()
        let configuration = ProtocolWorldFixture.world(
            seed: 7,
            keepers: (0..<3).map { ProtocolWorldFixture.keeper($0, gwei: 30 + UInt64($0)) },
            borrowers: ProtocolWorldFixture.borrowers(count: 300, ratio: 1.55),
            market: ProtocolWorldFixture.market(crash: -0.3, crashAt: .minutes(2)))
        let world = try ProtocolWorld(configuration, observer: recorder)
        _ = try world.run(until: .minutes(60))
        var kinds = Set<String>()
        for number in recorder.blocks.keys.sorted() {
            let events = recorder.blocks[number] ?? []
            let news = KeeperNews.read(events)
            #expect(news == events.compactMap(Self.expected), "block \(number)")
            for item in news {
                switch item {
                case .kicked: kinds.insert("kicked")
                case .liquidated: kinds.insert("liquidated")
                case .moved: kinds.insert("moved")
                }
            }
        }
        #expect(kinds == ["kicked", "liquidated", "moved"], "the crash exercises every kind")
        // One book for the world's keepers, which read each block once.
        let book = world.keepers[0].newsBook
        #expect(world.keepers.allSatisfy { $0.newsBook === book })
        let observed = world.keepers.map(\.statistics.blocksObserved)
        #expect(book.reads + book.sharedReads == observed.reduce(0, +))
        #expect(book.reads <= recorder.blocks.count + 8)
        #expect(book.sharedReads >= 2 * (book.reads - 8))
    }

    @Test("the book answers any block it is asked about, kept or read again")
    func bookAnswersEveryBlock() throws {
        let recorder = EventsByBlock()
        let configuration = ProtocolWorldFixture.world(
            seed: 11, keepers: [ProtocolWorldFixture.keeper(0, gwei: 30)],
            borrowers: ProtocolWorldFixture.borrowers(count: 200, ratio: 1.55),
            market: ProtocolWorldFixture.market(crash: -0.3, crashAt: .minutes(2)))
        let world = try ProtocolWorld(configuration, observer: recorder)
        _ = try world.run(until: .minutes(30))
        let numbers = recorder.blocks.keys.sorted()
        try #require(numbers.count > 20)
        let book = KeeperNewsBook()
        var random = RandomStream(seed: 5, name: "news-order")
        for _ in 0..<2_000 {
            // Mostly recent blocks, sometimes far older ones (beyond what it keeps).
            let back =
                random.bernoulli(numerator: 1, denominator: 5)
                ? Int(random.uniformInt(below: UInt64(numbers.count)))
                : Int(random.uniformInt(below: 3))
            let number = numbers[max(0, numbers.count - 1 - back)]
            let events = recorder.blocks[number] ?? []
            #expect(book.news(of: number, events: events) == KeeperNews.read(events))
        }
        #expect(book.sharedReads > 0 && book.reads > KeeperNewsBook.capacity)
    }
}
