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
/// auction is gone (taken, dealt) or a Flipper auction is a function of the block alone,
/// and so is a Flipper auction's record (bid, lot, bidder, deadlines): it is kept too, and
/// each keeper values it for itself (what it bids depends on its own valuation).
///
/// **Versions.** One block's reads are kept: keepers mostly finish a block before the next
/// is observed, and a keeper asking about another block replaces them (the reads are the
/// same whichever keeper made them, so which block is kept changes no answer).
///
/// Cost: O(1) per read after the first of a (block, auction, second); memory one entry per
/// auction id up to the highest asked about.
final class MakerAuctionQuotes {
    /// What a keeper finds when it looks at an auction (no payload: a large one was copied
    /// at each return). A Clipper quote is then `quote(of:)`, a Flipper auction
    /// `flip(of:)`.
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
    /// what it found (a Clipper auction: quoted at `seconds`), and the quote.
    @exclusivity(unchecked) private var generations: [UInt64] = []
    @exclusivity(unchecked) private var generation: UInt64 = 0
    @exclusivity(unchecked) private var kinds: [Read] = []
    @exclusivity(unchecked) private var seconds: [UInt64] = []
    @exclusivity(unchecked) private var quotes: [ClipQuote?] = []
    /// A Flipper auction's record as the block left it: read out of the auction table
    /// (an optional enum of the two houses, copied four times on the way) once per block
    /// instead of once per keeper looking.
    @exclusivity(unchecked) private var flips: [FlipLook?] = []
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
            if kinds[slot] != .clip {
                sharedReads += 1
                return kinds[slot]
            }
            if seconds[slot] == now {
                sharedReads += 1
                return .clip
            }
        }
        reads += 1
        // Ids start at 1: there is no auction 0 (`MakerSystem.auction` finds none).
        guard slot >= 0 else { return .gone }
        reserve(slot)
        generations[slot] = generation
        // Only what the kind's readers read is written: a Clipper quote and its second,
        // a Flipper record.
        switch state.maker.auction(id) {
        case nil:
            kinds[slot] = .gone
            return .gone
        case .clip(let sale)?:
            kinds[slot] = .clip
            seconds[slot] = now
            quotes[slot] = prices.quote(id, sale, in: state.maker, now: now)
            return .clip
        case .flip(let flip)?:
            kinds[slot] = .flip
            flips[slot] = FlipLook(flip)
            return .flip
        }
    }

    /// The quote of Clipper auction `id` that `read` just gave `.clip` for.
    func quote(of id: MakerSystem.AuctionID) -> ClipQuote? {
        quotes[Int(id.rawValue) - 1]
    }

    /// The Flipper auction `id` that `read` just gave `.flip` for, as the block left it.
    func flip(of id: MakerSystem.AuctionID) -> FlipLook? {
        flips[Int(id.rawValue) - 1]
    }

    /// Makes room for an entry at `slot`.
    private func reserve(_ slot: Int) {
        guard slot >= generations.count else { return }
        let grow = slot + 1 - generations.count
        generations.append(contentsOf: repeatElement(0, count: grow))
        kinds.append(contentsOf: repeatElement(.gone, count: grow))
        seconds.append(contentsOf: repeatElement(0, count: grow))
        quotes.append(contentsOf: repeatElement(nil, count: grow))
        flips.append(contentsOf: repeatElement(nil, count: grow))
    }
}

/// A Flipper auction as a block left it, with the approximations every keeper's look
/// starts from (the lot in whole units, the standing bid in RAD), made once per block.
struct FlipLook {
    let auction: MakerSystem.FlipAuction
    /// `lot` / 10¹⁸, approximately.
    let lotUnits: Double
    /// `bid` (RAD), approximately.
    let bidValue: Double
    /// `tab` (RAD), approximately.
    let tabValue: Double

    init(_ auction: MakerSystem.FlipAuction) {
        self.auction = auction
        lotUnits = auction.lot.approximateValue / 1e18
        bidValue = auction.bid.approximateValue
        tabValue = auction.tab.approximateValue
    }

    /// The tend a valuation of `worth` (quote, for the whole lot) allows:
    /// `min(tab, ⌊max(0, worth) · 10¹⁸⌋ · 10²⁷)` RAD (a zero bid when the valuation is
    /// beyond 2²⁵⁶ wei), or nil when that is certainly not above the standing bid.
    ///
    /// Exact, and cheap in the common cases. `wanted ≤ ⌊worth · 10¹⁸⌋ · 10²⁷ ≤ worth · 10⁴⁵`,
    /// so a product clearly below the standing bid (most looks on Black Thursday) rules a
    /// tend out without the 256-bit conversion; `wanted ≥ (worth · 10¹⁸ − 1) · 10²⁷`, so one
    /// clearly above the tab makes the bid the tab without the conversion and the product.
    /// "Clearly": by a relative margin of 10⁻⁹, which covers the doubles' rounding (the
    /// approximations are within a few ulps) many times over.
    @inline(__always)
    func tendAllowed(worth: Double) -> UInt256? {
        let worthWad = max(0, worth) * 1e18
        guard worthWad * 1e27 * (1 + 1e-9) >= bidValue else { return nil }
        if worthWad < 0x1p256 && worthWad * 1e27 >= tabValue * (1 + 1e-9) + 1e27 {
            return auction.tab
        }
        return min(auction.tab, (UInt256(truncating: worthWad) ?? .zero) * MakerSystem.ray)
    }
}
