import CascadeContracts
import CascadeCore

/// What the world's keepers read of each live auction, read once per block and second for
/// all of them instead of once per keeper.
///
/// **Why.** Every keeper's auction pass read each due auction out of the block's state (a
/// copy of a large enum) and priced a Clipper sale (`ClipPriceReader`: an `rmul` and the
/// cusp test at 256 bits): ten keepers did the same work on the same auction of the same
/// block, a large part of the busy phase of a protocol world.
///
/// **Exact.** A Clipper quote is a function of the state after the block (the sale, the
/// ilk's terms) and of the whole second the keeper asks at; a quote is kept under
/// (block, auction, second) and given only to a keeper asking with the same three. That an
/// auction is gone (taken, dealt) is a function of the block alone. Flipper auctions are
/// read from the state each time (the keeper's bid depends on its own valuation).
///
/// **Versions.** One block's reads are kept: keepers mostly finish a block before the next
/// is observed, and a keeper asking about another block replaces them (the reads are the
/// same whichever keeper made them, so which block is kept changes no answer).
///
/// Cost: O(1) per read after the first of a (block, auction, second); memory one entry per
/// auction id up to the highest asked about.
final class MakerAuctionQuotes {
    /// What a keeper finds when it looks at an auction (no payload: a large one was copied
    /// at each return). A Clipper quote is then `quote(of:)`; a Flipper auction the keeper
    /// reads from the state.
    enum Read {
        case gone
        case clip
        case flip
    }

    /// Clipper prices with the curve's factors remembered (shared: the factors are
    /// functions of the curve only).
    @exclusivity(unchecked) private var prices = ClipPriceReader()
    /// The block the entries are for.
    @exclusivity(unchecked) private var block: UInt64 = .max
    /// Per auction id − 1: whether the entry holds this block's read (its `generation`),
    /// what it found (0 gone, 1 a Clipper quote at `seconds`), and the quote.
    @exclusivity(unchecked) private var generations: [UInt64] = []
    @exclusivity(unchecked) private var generation: UInt64 = 0
    @exclusivity(unchecked) private var isClip: [Bool] = []
    @exclusivity(unchecked) private var seconds: [UInt64] = []
    @exclusivity(unchecked) private var quotes: [ClipQuote?] = []
    /// Reads answered from a kept entry, and reads made (for tests and the bench).
    @exclusivity(unchecked) private(set) var sharedReads = 0
    @exclusivity(unchecked) private(set) var reads = 0

    /// Auction `id` in `state`, the state after block `number`, as a keeper at second `now`
    /// reads it: gone, a Clipper auction (its quote, `ClipPriceReader.quote`, kept for
    /// `quote(of:)`), or a Flipper auction.
    func read(
        _ id: MakerSystem.AuctionID, block number: UInt64, state: ProtocolState, now: UInt64
    ) -> Read {
        if number != block {
            block = number
            generation += 1
        }
        let slot = Int(id.rawValue) - 1
        if slot >= 0, slot < generations.count, generations[slot] == generation {
            if !isClip[slot] {
                sharedReads += 1
                return .gone
            }
            if seconds[slot] == now {
                sharedReads += 1
                return .clip
            }
        }
        reads += 1
        guard let auction = state.maker.auction(id) else {
            keep(slot, isClip: false, now: now, quote: nil)
            return .gone
        }
        switch auction {
        case .clip(let sale):
            let quote = prices.quote(id, sale, in: state.maker, now: now)
            keep(slot, isClip: true, now: now, quote: quote)
            return .clip
        case .flip:
            return .flip
        }
    }

    /// The quote of Clipper auction `id` that `read` just gave `.clip` for.
    func quote(of id: MakerSystem.AuctionID) -> ClipQuote? {
        quotes[Int(id.rawValue) - 1]
    }

    private func keep(_ slot: Int, isClip clip: Bool, now: UInt64, quote: ClipQuote?) {
        guard slot >= 0 else { return }
        if slot >= generations.count {
            let grow = slot + 1 - generations.count
            generations.append(contentsOf: repeatElement(0, count: grow))
            isClip.append(contentsOf: repeatElement(false, count: grow))
            seconds.append(contentsOf: repeatElement(0, count: grow))
            quotes.append(contentsOf: repeatElement(nil, count: grow))
        }
        generations[slot] = generation
        isClip[slot] = clip
        seconds[slot] = now
        quotes[slot] = quote
    }
}
