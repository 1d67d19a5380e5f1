import CascadeContracts
import CascadeCore

/// What one of a block's Maker events tells a keeper: an auction started, a vault was
/// liquidated, or somebody moved on an auction. A keeper needs these few fields of a
/// handful of event kinds; the events themselves are large values (an event is about
/// 450 bytes), and every keeper of the world read every one of them.
enum KeeperNews: Equatable {
    /// An auction started (`kick`), with the keeper that started it, if any.
    case kicked(ilk: MakerSystem.IlkID, auction: MakerSystem.AuctionID, keeper: Address?)
    /// A vault was liquidated (`bark` or `bite`).
    case liquidated(ilk: MakerSystem.IlkID, vault: Address)
    /// `by` took from, tended on or dented an auction.
    case moved(auction: MakerSystem.AuctionID, by: Address)

    /// The news in `events`, in their order.
    static func read(_ events: [ProtocolState.Event]) -> [KeeperNews] {
        var news: [KeeperNews] = []
        for event in events {
            guard case .maker(let makerEvent) = event else { continue }
            switch makerEvent {
            case .kicked(let kick):
                news.append(.kicked(ilk: kick.ilk, auction: kick.auction, keeper: kick.keeper))
            case .barked(let liquidation), .bitten(let liquidation):
                news.append(.liquidated(ilk: liquidation.ilk, vault: liquidation.vault))
            case .taken(let take):
                news.append(.moved(auction: take.auction, by: take.taker))
            case .tended(let bid), .dented(let bid):
                news.append(.moved(auction: bid.auction, by: bid.bidder))
            default:
                continue
            }
        }
        return news
    }
}

/// The news of the latest blocks, read once per block for all of a world's keepers.
///
/// A keeper learns of new auctions and competitors' moves from each block it observes;
/// with several keepers, each read the same block's events again. The news of a block is
/// a function of its events alone, so the first keeper to observe a block reads it and
/// the others are given the same list. Kept for the last `capacity` blocks asked about
/// (observation delays interleave keepers' blocks a little); an older block is read again.
final class KeeperNewsBook {
    static let capacity = 4
    // Unchecked exclusivity: every keeper asks once per block, and the dynamic checks of
    // a class's fields (a runtime call per access) were 1% of the world bench. The book
    // is touched from one agent's `handle` at a time, never re-entered.
    @exclusivity(unchecked) private var blocks = [UInt64](repeating: .max, count: capacity)
    @exclusivity(unchecked) private var entries = [[KeeperNews]](
        repeating: [], count: capacity)
    @exclusivity(unchecked) private var next = 0
    /// Blocks read, and blocks given from a kept reading (for tests and the bench).
    @exclusivity(unchecked) private(set) var reads = 0
    @exclusivity(unchecked) private(set) var sharedReads = 0

    /// The news of block `number`, whose events are `events`.
    func news(of number: UInt64, events: [ProtocolState.Event]) -> [KeeperNews] {
        for slot in blocks.indices where blocks[slot] == number {
            sharedReads += 1
            return entries[slot]
        }
        reads += 1
        let news = KeeperNews.read(events)
        blocks[next] = number
        entries[next] = news
        next = (next + 1) % Self.capacity
        return news
    }
}
