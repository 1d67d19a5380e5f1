import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// What the world's keepers read of each live auction, read once for all of them instead
/// of once per keeper, and a Clipper quote kept across blocks while its sale is unchanged.
///
/// **Why.** Every keeper's auction pass read each due auction out of the block's state (a
/// copy of a large enum) and priced a Clipper sale (`ClipPriceReader`: an `rmul` and the
/// cusp test at 256 bits): ten keepers did the same work on the same auction, a large
/// part of the busy phase of a protocol world. Keepers look at an auction at different
/// blocks (each on its own schedule), so a quote kept for one block only was made again
/// by nearly every keeper.
///
/// **Exact.** A Clipper quote is a function of the sale (`tic`, `top`, `lot`, `tab`), of
/// its ilk's Clipper terms and `chost`, and of the moment the keeper asks at: under the
/// stairstep curve only the step count `⌊(now − tic) / step⌋` and whether
/// `now − tic > tail` matter, under the other curves the whole second (`QuoteMoment`).
/// A kept quote is given to a keeper only when all of these are the same in the state it
/// asks with: the sale's slot must hold the revision it had when the quote was made
/// (`Slot.revision`, `MakerSystem.auctionRevision(_:)`: every write to a slot gives it a new
/// one, so the same revision is the same sale; comparing the sale field by field copied
/// it out of the auction table),
/// and the ilks' terms are compared at every change of block (a change voids every kept
/// quote, `termsEpoch`). At another step of a kept sale only the price and the redo flag
/// move: they are recomputed from the kept sale and terms (`reprice`). What a take of
/// the whole lot plans at the quote's price depends on the quote alone, and the flash
/// take's margin on the quote and the pair's reserves: both are kept beside the quote
/// (`wholeOwe(of:)`, `wholeSlice(of:)`, `flashMargin(of:pair:reserves:_:)`), with the
/// doubles every look starts from (`facts(of:)`). That an auction is gone (taken, dealt) or a
/// Flipper auction is a function of the block alone, and so is a Flipper auction's record
/// (bid, lot, bidder, deadlines): it is kept for the block, and each keeper values it for
/// itself (what it bids depends on its own valuation).
///
/// **Versions.** Reads of the gone and Flipper kinds are kept for one block: keepers
/// mostly finish a block before the next is observed, and a keeper asking about another
/// block replaces them (the reads are the same whichever keeper made them, so which block
/// is kept changes no answer). A Clipper quote from an earlier block is checked against
/// the state asked with (whichever block it is) before it is given again.
///
/// Cost: O(1) per read; a quote is made once per (sale, terms, moment) rather than once
/// per keeper and block. Memory: one entry per auction id up to the highest asked about;
/// what every look reads of it in two cache lines (`Slot`), the rest in arrays beside.
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
    /// The generation of this block's entries (a slot's `generation` equal to it: the
    /// slot holds this block's read).
    @exclusivity(unchecked) private var generation: UInt64 = 0
    /// Per auction id − 1: what every look reads, side by side (`Slot`), in a buffer aligned
    /// to cache lines (an array's elements start 32 bytes into its storage).
    @exclusivity(unchecked) private var slots: UnsafeMutablePointer<Slot>
    @exclusivity(unchecked) private var slotCount = 0
    /// Per slot, what few looks read, apart so that it does not dilute the slots: the
    /// quote itself (copied out only by a look that acts), what a reprice reads of the
    /// sale, the whole lot's plan (`wholeOwe(of:)`), the reserves a flash margin was
    /// computed for, and a Flipper auction's record as the block left it (read out of the
    /// auction table, an optional enum of the two houses copied four times on the way,
    /// once per block instead of once per keeper looking).
    @exclusivity(unchecked) private var quotes: [ClipQuote?] = []
    @exclusivity(unchecked) private var saleTops: [SaleTop] = []
    @exclusivity(unchecked) private var planSlices: [UInt256] = []
    @exclusivity(unchecked) private var planOwes: [UInt256] = []
    @exclusivity(unchecked) private var flashReserves: [(UInt256, UInt256)] = []
    @exclusivity(unchecked) private var flips: [FlipLook?] = []
    /// The ilks' Clipper terms and `chost` as last compared, and how many times they were
    /// found changed: a quote made under another epoch is not given again.
    @exclusivity(unchecked) private var ilkTerms: [(MakerSystem.Liquidation, UInt256)] = []
    @exclusivity(unchecked) private var termsEpoch: UInt64 = 0
    /// Per ilk, of the same epoch: its stairstep Clipper terms (nil for other curves and
    /// Flipper ilks), to price a kept sale at another moment.
    @exclusivity(unchecked) private var stairstepTerms: [StairstepTerms?] = []
    /// The same terms' step and `tail` alone (step 0: another curve), read by every look.
    @exclusivity(unchecked) private var stairstepTimings: [(step: UInt64, tail: UInt64)] = []
    /// The recheck's reading of the curves met so far (`ClipFacts.RecheckCurve`).
    @exclusivity(unchecked) private var curves = RecheckCurves()
    /// Reads answered from a kept entry, and reads made (for tests and the bench).
    @exclusivity(unchecked) private(set) var sharedReads = 0
    @exclusivity(unchecked) private(set) var reads = 0

    init() {
        slots = Self.allocateSlots(0)
    }

    deinit {
        slots.deinitialize(count: slotCount)
        slots.deallocate()
    }

    /// Auction `id` in `state`, the state after block `number`, as a keeper at second `now`
    /// reads it: gone, a Clipper auction (its quote, `ClipPriceReader.quote`, kept for
    /// `quote(of:)`), or a Flipper auction.
    func read(
        _ id: MakerSystem.AuctionID, block number: UInt64, state: ProtocolState, now: UInt64
    ) -> Read {
        if number != block {
            block = number
            generation += 1
            compareTerms(state.maker)
        }
        let slot = Int(id.rawValue) - 1
        if slot >= 0, slot < slotCount {
            let entry = slots + slot
            if entry.pointee.generation == generation {
                let kind = entry.pointee.kind
                if kind != .clip {
                    sharedReads += 1
                    return kind
                }
                let moment = moment(entry, at: now)
                if entry.pointee.moment == moment {
                    sharedReads += 1
                    return .clip
                }
                if reprice(slot, at: moment, now: now) { return .clip }
            } else if entry.pointee.kind == .clip, carry(id, slot, state: state, now: now) {
                return .clip
            }
        }
        return readAfresh(id, slot, state: state, now: now)
    }

    /// Whether the kept quote at `slot`, from an earlier block, holds in `state` (the same
    /// sale under the same terms), made this block's; then whether it is at the moment
    /// `now` asks about, or is priced at it (`reprice`).
    ///
    /// The same sale: its slot has not been written since the quote was made
    /// (`MakerSystem.auctionRevision`: every write gives a slot a revision it never had),
    /// so it holds the same live Clipper sale.
    @inline(never)
    private func carry(
        _ id: MakerSystem.AuctionID, _ slot: Int, state: ProtocolState, now: UInt64
    ) -> Bool {
        let entry = slots + slot
        guard entry.pointee.epoch == termsEpoch,
            state.maker.auctionRevision(id) == entry.pointee.revision
        else { return false }
        // The same sale under the same terms: at the same moment, the same quote.
        entry.pointee.generation = generation
        let moment = moment(entry, at: now)
        if entry.pointee.moment == moment {
            sharedReads += 1
            return true
        }
        return reprice(slot, at: moment, now: now)
    }

    /// The moment `now` (seconds) as the quote kept at `entry` (of this terms epoch) sees
    /// it: under the stairstep curve the step count since the sale's `tic` and whether it
    /// is past `tail`, under the other curves the second itself. The same moment, the same
    /// quote (`ClipPriceReader.quote`).
    private func moment(_ entry: UnsafeMutablePointer<Slot>, at now: UInt64) -> QuoteMoment {
        let (step, tail) = stairstepTimings[Int(entry.pointee.ilk.rawValue)]
        guard step > 0 else { return QuoteMoment(steps: now, old: false) }
        let tic = entry.pointee.tic
        let elapsed = now >= tic ? now - tic : 0
        return QuoteMoment(steps: elapsed / step, old: elapsed > tail)
    }

    /// The sale kept at `slot` (this block's) at another `moment` of its stairstep curve,
    /// priced from the kept sale and terms without reading the state again; false for the
    /// other curves.
    @inline(never)
    private func reprice(_ slot: Int, at moment: QuoteMoment, now: UInt64) -> Bool {
        let entry = slots + slot
        guard let terms = stairstepTerms[Int(entry.pointee.ilk.rawValue)] else { return false }
        // Only the price and the need for `redo` move: the quote and its facts are
        // updated in place (lot, tab, curve and `chost` are the kept ones).
        reads += 1
        entry.pointee.moment = moment
        let (price, needsRedo) = prices.status(
            tic: entry.pointee.tic, top: saleTops[slot].top, terms, cusp: saleTops[slot].cusp,
            now: now)
        quotes[slot]?.reprice(price, needsRedo: needsRedo)
        entry.pointee.facts.price = price.approximateValue / 1e27
        entry.pointee.facts.needsRedo = needsRedo
        entry.pointee.plan = .unknown
        entry.pointee.flashPair = -1
        return true
    }

    /// Auction `id` read out of `state` into `slot`.
    private func readAfresh(
        _ id: MakerSystem.AuctionID, _ slot: Int, state: ProtocolState, now: UInt64
    ) -> Read {
        reads += 1
        // Ids start at 1: there is no auction 0 (`MakerSystem.auction` finds none).
        guard slot >= 0 else { return .gone }
        if slot >= slotCount { grow(to: slot) }
        let entry = slots + slot
        entry.pointee.generation = generation
        // Only what the kind's readers read is written: a Clipper quote and its moment,
        // a Flipper record.
        switch state.maker.auction(id) {
        case nil:
            entry.pointee.kind = .gone
            return .gone
        case .clip(let sale)?:
            entry.pointee.kind = .clip
            // The sale the quote is made from, to give it again in a later block.
            entry.pointee.revision = state.maker.auctionRevision(id) ?? 0
            entry.pointee.epoch = termsEpoch
            entry.pointee.tic = sale.tic
            entry.pointee.ilk = sale.ilk
            saleTops[slot] = SaleTop(sale, terms: stairstepTerms[Int(sale.ilk.rawValue)])
            entry.pointee.moment = moment(entry, at: now)
            keep(prices.quote(id, sale, in: state.maker, now: now), at: slot)
            return .clip
        case .flip(let flip)?:
            entry.pointee.kind = .flip
            flips[slot] = FlipLook(flip)
            return .flip
        }
    }

    /// Keeps `quote` and what is derived from it at `slot`.
    private func keep(_ quote: ClipQuote?, at slot: Int) {
        let entry = slots + slot
        entry.pointee.facts = ClipFacts(quote, curves: &curves)
        quotes[slot] = quote
        entry.pointee.plan = .unknown
        entry.pointee.flashPair = -1
    }

    /// Compares the ilks' liquidation terms and `chost` in `maker` with those last seen,
    /// and starts a new epoch when any differs (or an ilk was added).
    private func compareTerms(_ maker: MakerSystem) {
        var changed = ilkTerms.count != maker.ilks.count
        if changed { ilkTerms.removeAll(keepingCapacity: true) }
        for index in maker.ilks.indices {
            let ilk = maker.ilks[index]
            if index == ilkTerms.count {
                ilkTerms.append((ilk.liquidation, ilk.chost))
            } else if ilkTerms[index].0 != ilk.liquidation || ilkTerms[index].1 != ilk.chost {
                ilkTerms[index] = (ilk.liquidation, ilk.chost)
                changed = true
            }
        }
        guard changed else { return }
        termsEpoch += 1
        stairstepTerms = maker.ilks.map { StairstepTerms($0) }
        stairstepTimings = stairstepTerms.map { ($0?.step ?? 0, $0?.tail ?? 0) }
    }

    /// The quote of Clipper auction `id` that `read` just gave `.clip` for.
    func quote(of id: MakerSystem.AuctionID) -> ClipQuote? {
        quotes[Int(id.rawValue) - 1]
    }

    /// The price (RAY) of the quote of Clipper auction `id` that `read` just gave `.clip`
    /// for (zero without a quote).
    func price(of id: MakerSystem.AuctionID) -> UInt256 {
        quotes[Int(id.rawValue) - 1]?.price ?? .zero
    }

    /// `quote(of: id)?.plannedTake(amount: amount)`, read in place.
    func plannedTake(
        of id: MakerSystem.AuctionID, amount: UInt256
    ) -> (slice: UInt256, owe: UInt256)? {
        quotes[Int(id.rawValue) - 1]?.plannedTake(amount: amount)
    }

    /// The facts of the quote of Clipper auction `id` that `read` just gave `.clip` for
    /// (no quote: `ClipFacts.none`).
    func facts(of id: MakerSystem.AuctionID) -> ClipFacts {
        slots[checkedSlot(id)].facts
    }

    /// Auction `id`'s slot, trapping (as an array would) unless `read` has made room for
    /// it: the slots are a raw buffer, unchecked.
    @inline(__always)
    private func checkedSlot(_ id: MakerSystem.AuctionID) -> Int {
        let slot = Int(id.rawValue) - 1
        precondition(slot >= 0 && slot < slotCount, "MakerAuctionQuotes: auction \(id) never read")
        return slot
    }

    /// The DAI (RAD) a take of the whole lot at the quote `read` just gave for Clipper
    /// auction `id` owes: `quote(of: id)?.plannedTake(amount: lot)?.owe`, planned once per
    /// quote (nil: nothing can be taken).
    func wholeOwe(of id: MakerSystem.AuctionID) -> UInt256? {
        let slot = checkedSlot(id)
        if slots[slot].plan == .unknown { plan(slot) }
        return slots[slot].plan == .planned ? planOwes[slot] : nil
    }

    /// The collateral (WAD) that plan buys; asked only after `wholeOwe(of:)` gave one.
    func wholeSlice(of id: MakerSystem.AuctionID) -> UInt256 {
        planSlices[Int(id.rawValue) - 1]
    }

    private func plan(_ slot: Int) {
        guard let plan = quotes[slot].flatMap({ $0.plannedTake(amount: $0.lot) }) else {
            slots[slot].plan = .none
            return
        }
        planSlices[slot] = plan.slice
        planOwes[slot] = plan.owe
        slots[slot].plan = .planned
    }

    /// What the flash take of the whole lot's plan nets before gas, in DAI, on `pair` with
    /// `reserves` (collateral in, DAI out, WAD): the swap's output for the plan's slice
    /// less the DAI owed; nil if the swap fails. Kept per quote for the last pair and
    /// reserves asked about. Asked only after `wholeOwe(of:)` gave a plan.
    ///
    /// First estimated in doubles (`FlashMargin.estimate`), with a bound on its error: most
    /// looks compare it with a gas cost it is nowhere near, and the exact output (a 256-bit
    /// division, for every quote whenever the pair's reserves move) is computed only for a
    /// look the bound leaves undecided (`exactFlashMargin`).
    ///
    /// `reserves` must be the pair's in the block `read` was last asked about (one block,
    /// one state): asked again in that block for the same pair, the kept margin is given
    /// without comparing them.
    func flashMargin(
        of id: MakerSystem.AuctionID, pair: Int, reserves: (UInt256, UInt256)
    ) -> FlashMargin? {
        let slot = checkedSlot(id)
        let entry = slots + slot
        guard entry.pointee.plan == .planned else { return nil }
        // Asked again in the block it was made or checked in, for the same pair: the
        // reserves are that block's, the same (their table, another line, is not read).
        if entry.pointee.flashPair == pair, entry.pointee.flashGeneration == generation {
            assert(flashReserves[slot] == reserves, "flash margin: other reserves in one block")
        } else if entry.pointee.flashPair == pair, flashReserves[slot] == reserves {
            entry.pointee.flashGeneration = generation
        } else {
            entry.pointee.flashPair = pair
            entry.pointee.flashGeneration = generation
            flashReserves[slot] = reserves
            let margin = FlashMargin.estimate(
                slice: planSlices[slot], owe: planOwes[slot], reserves: reserves)
            entry.pointee.hasFlashMargin = margin != nil
            entry.pointee.flashMargin = margin?.value ?? 0
            entry.pointee.flashTolerance = margin?.tolerance ?? 0
        }
        guard entry.pointee.hasFlashMargin else { return nil }
        return FlashMargin(
            value: entry.pointee.flashMargin, tolerance: entry.pointee.flashTolerance)
    }

    /// The flash margin `flashMargin` just gave for auction `id`, exactly: the swap's
    /// `output` for the plan's slice (nil if the swap fails) less the DAI owed, as the
    /// estimate's bound promises. Kept in place of the estimate.
    func exactFlashMargin(
        of id: MakerSystem.AuctionID, _ output: (UInt256) -> UInt256?
    ) -> Double? {
        let slot = checkedSlot(id)
        let entry = slots + slot
        guard entry.pointee.plan == .planned, entry.pointee.hasFlashMargin else { return nil }
        guard entry.pointee.flashTolerance != 0 else { return entry.pointee.flashMargin }
        let owe = planOwes[slot].approximateValue / 1e45
        let margin = output(planSlices[slot]).map { $0.approximateValue / 1e18 - owe }
        entry.pointee.hasFlashMargin = margin != nil
        entry.pointee.flashMargin = margin ?? 0
        entry.pointee.flashTolerance = 0
        return margin
    }

    /// The Flipper auction `id` that `read` just gave `.flip` for, as the block left it.
    func flip(of id: MakerSystem.AuctionID) -> FlipLook? {
        flips[Int(id.rawValue) - 1]
    }

    /// Makes room for an entry at `slot` and, since ids are handed out in increasing
    /// order, for as many again (an entry never read is never this block's: its
    /// generation is 0).
    @inline(never)
    private func grow(to slot: Int) {
        let count = max(slot + 1, 2 * slotCount, 64)
        let grow = count - slotCount
        let larger = Self.allocateSlots(count)
        larger.moveInitialize(from: slots, count: slotCount)
        (larger + slotCount).initialize(repeating: Slot(), count: grow)
        slots.deallocate()
        slots = larger
        slotCount = count
        quotes.append(contentsOf: repeatElement(nil, count: grow))
        saleTops.append(contentsOf: repeatElement(SaleTop(), count: grow))
        planSlices.append(contentsOf: repeatElement(.zero, count: grow))
        planOwes.append(contentsOf: repeatElement(.zero, count: grow))
        flashReserves.append(contentsOf: repeatElement((.zero, .zero), count: grow))
        flips.append(contentsOf: repeatElement(nil, count: grow))
    }

    /// Room for `count` slots (uninitialised), starting at a cache line: a slot is two
    /// whole lines (`Slot`).
    private static func allocateSlots(_ count: Int) -> UnsafeMutablePointer<Slot> {
        assert(MemoryLayout<Slot>.stride % 64 == 0, "a slot is whole cache lines")
        return UnsafeMutableRawPointer.allocate(
            byteCount: count * MemoryLayout<Slot>.stride, alignment: 64
        ).bindMemory(to: Slot.self, capacity: count)
    }

    /// What a keeper's look at an auction reads, kept together. Looks interleaved by ten
    /// keepers, each at another slot, read a dozen parallel arrays, about ten cache lines
    /// per look: their loads were among the hottest instructions of the keepers' pass. The
    /// first line holds what `read` and the plan's and flash margin's checks read, the
    /// second the quote's facts (`ClipFacts`); 128 bytes in all, aligned, so that a slot
    /// never straddles a third line.
    struct Slot {
        /// Whether the entry holds this block's read (`generation`), and what it found.
        var generation: UInt64 = 0
        /// The sale a Clipper quote was made from (its slot's revision,
        /// `MakerSystem.auctionRevision(_:)`, its `tic` and ilk), and the terms epoch it
        /// was made under.
        var revision: UInt64 = 0
        var tic: UInt64 = 0
        var epoch: UInt64 = .max
        /// The pair the flash margin was computed for (−1: none yet).
        var flashPair = -1
        /// The moment the quote is priced at.
        var moment = QuoteMoment()
        var kind = Read.gone
        /// Whether the whole lot's plan is known yet, and whether there is one.
        var plan = WholePlan.unknown
        /// The flash margin (`flashMargin(of:pair:reserves:_:)`): whether the swap gave one.
        var hasFlashMargin = false
        var ilk = MakerSystem.IlkID(rawValue: 0)
        var flashMargin = 0.0
        /// What every look at the quote starts from.
        var facts = ClipFacts()
        /// The flash margin's error bound (0: exact), beside the facts every look reads.
        var flashTolerance = 0.0
        /// The read generation the flash margin was last made or checked in.
        var flashGeneration: UInt64 = 0
        /// Unused: pads the slot to two whole cache lines.
        private var padding: UInt64 = 0
    }
}

/// What a reprice reads of a kept sale: its starting price and its cusp test under the
/// epoch's stairstep terms (unused for other curves).
struct SaleTop {
    var top = UInt256.zero
    var cusp = CuspBound()

    init() {}

    init(_ sale: MakerSystem.ClipAuction, terms: StairstepTerms?) {
        top = sale.top
        if let terms { cusp = CuspBound(top: sale.top, cusp: terms.cusp) }
    }
}

/// A moment of a Clipper quote: the stairstep curve's step count and whether the sale is
/// past its `tail` then, or (other curves) the second itself with `old` false.
struct QuoteMoment: Equatable {
    var steps: UInt64 = .max
    var old = false
}

/// What every keeper's look at a Clipper quote starts from, in doubles, made once per
/// quote: whether there is anything to take, the price, and the curve as the recheck
/// reads it (`Keeper.recheckTime`; the same doubles it computed from the quote each time).
struct ClipFacts: Equatable {
    /// The curve first: its flags share its last word with the three below (40 bytes, not
    /// 48; `MakerAuctionQuotes.Slot`).
    var curve = RecheckCurve.none
    /// A live quote with collateral left.
    var hasLot = false
    var needsRedo = false
    /// `tab ≤ chost`: dss refuses a partial purchase, only the whole lot can be bought.
    var wholeLotOnly = false
    /// `price` / 10²⁷, approximately.
    var price = 0.0
    var tic: Int64 = 0

    /// The price curve as the recheck reads it: the logarithm of the stairstep's or the
    /// exponential's `cut`, or the linear curve's `tau` and `top`; `none` when the curve
    /// never falls (a `cut` outside (0, 1), a zero `top`).
    enum RecheckCurve: Equatable {
        case none
        case stairstep(step: Int64, logCut: Double)
        case exponential(logCut: Double)
        case linear(tau: Double, top: Double)
    }

    init() {}

    init(_ quote: ClipQuote?, curves: inout RecheckCurves) {
        guard let quote else { return }
        hasLot = !quote.lot.isZero
        needsRedo = quote.needsRedo
        wholeLotOnly = quote.tab <= quote.chost
        price = quote.price.approximateValue / 1e27
        tic = Int64(clamping: quote.tic)
        if case .linearDecrease(let tau) = quote.calc {
            let top = quote.top.approximateValue / 1e27
            if top > 0 { curve = .linear(tau: Double(tau), top: top) }
        } else {
            curve = curves.reading(of: quote.calc)
        }
    }
}

extension ClipFacts.RecheckCurve {
    /// Seconds until a sale on this curve, `elapsed` seconds after its `tic`, has fallen
    /// from its price to `target`, `ratio` times it (in (0, 1)): whole steps of the
    /// stairstep, whole seconds of the exponential, from `top` for the linear curve. Nil
    /// for a curve that never falls.
    func wait(ratio: Double, target: Double, elapsed: Int64) -> Int64? {
        switch self {
        case .none:
            return nil
        case .stairstep(let stepLength, let logCut):
            let steps = (DeterministicMath.log(ratio) / logCut).rounded(.up)
            return (elapsed / stepLength + Int64(steps)) * stepLength - elapsed
        case .exponential(let logCut):
            return Int64((DeterministicMath.log(ratio) / logCut).rounded(.up))
        case .linear(let tau, let top):
            let dueAt = tau * (1 - target / top)
            return Int64(dueAt.rounded(.up)) - elapsed
        }
    }

    /// A ratio at or below which `wait` is at least `limit` seconds, whatever the elapsed
    /// time: the recheck then waits the limit without taking the logarithm. Zero (no
    /// ratio is below it) for the linear curve and a curve that never falls.
    ///
    /// The stairstep waits `step · n − (elapsed mod step) ≥ step · n − (step − 1)` for
    /// `n = ⌈q⌉` steps, `q = ln(ratio) / ln(cut)`: at least `limit` once
    /// `n ≥ N = ⌈(limit + step − 1) / step⌉`, that is once `q > N − 1`. The exponential
    /// waits `⌈q⌉` seconds: at least `limit` once `q > limit − 1`. With `ln(cut) < 0`,
    /// `q > K` exactly when `ratio < cut^K`; the bound is `cut^K` less a billionth of it,
    /// far more than the rounding of `log`, `exp` and the quotient (a few units in the
    /// last place), so a ratio at or below it gives `q > K` as `wait` computes it. A limit
    /// of a step or less gives `K ≤ 0` and a bound of at least one: every ratio waits the
    /// limit, as `wait` (at least a second) would.
    func farRatio(limit: Int64) -> Double {
        let exponent: Int64
        let logCut: Double
        switch self {
        case .none, .linear:
            return 0
        case .stairstep(let step, let stepLogCut):
            guard step > 0, step <= Int64.max / 4, limit >= 0, limit <= Int64.max / 4 else {
                return 0
            }
            exponent = (limit + 2 * step - 2) / step - 1
            logCut = stepLogCut
        case .exponential(let secondLogCut):
            guard limit >= 0 else { return 0 }
            exponent = limit - 1
            logCut = secondLogCut
        }
        // Beyond e^−700 the power nears the subnormals, where `exp` keeps few digits: no
        // shortcut there (a price a billion billion times the mid is not met in practice).
        let power = Double(exponent) * logCut
        guard logCut < 0, power > -700 else { return 0 }
        return ChainMath.exp(power) * (1 - 1e-9)
    }
}

/// The recheck's reading of the exponential curves (a logarithm each), made once per
/// curve: a protocol world has one or two.
struct RecheckCurves {
    private var read: [(PriceCurve, ClipFacts.RecheckCurve)] = []

    /// `calc` as the recheck reads it (not the linear curve, whose reading is per sale).
    mutating func reading(of calc: PriceCurve) -> ClipFacts.RecheckCurve {
        if let found = read.first(where: { $0.0 == calc }) { return found.1 }
        var curve = ClipFacts.RecheckCurve.none
        switch calc {
        case .stairstepExponentialDecrease(let step, let cut):
            let perStep = cut.approximateValue / 1e27
            if perStep > 0, perStep < 1 {
                curve = .stairstep(step: Int64(step), logCut: DeterministicMath.log(perStep))
            }
        case .exponentialDecrease(let cut):
            let perSecond = cut.approximateValue / 1e27
            if perSecond > 0, perSecond < 1 {
                curve = .exponential(logCut: DeterministicMath.log(perSecond))
            }
        case .linearDecrease:
            break
        }
        if read.count >= 8 { read.removeFirst() }
        read.append((calc, curve))
        return curve
    }
}

/// Whether a quote's whole-lot plan is known yet, and whether there is one.
enum WholePlan: UInt8 {
    case unknown
    case none
    case planned
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

/// A flash take's margin before gas, in DAI, and how far from the exact one it may be
/// (`MakerAuctionQuotes.flashMargin`; 0: it is the exact one).
struct FlashMargin: Equatable {
    var value: Double
    var tolerance: Double

    /// The margin of selling `slice` (WAD) into a Uniswap v2 pair with `reserves`
    /// (collateral in, DAI out, WAD) and paying `owe` (RAD), in doubles: the output
    /// `⌊997·a·r_out / (1000·r_in + 997·a)⌋` of `UniswapV2Library.getAmountOut`, less the
    /// owe. Nil exactly when the swap reverts for a zero amount or reserve; a swap whose
    /// products could pass 2²⁵⁶ (and revert on overflow) gets an unbounded tolerance, so
    /// that only the exact computation answers.
    ///
    /// The bound: each input's conversion to a double is within a few units in the last
    /// place, the formula adds a few more, the floor at most one wei; together well under
    /// 10⁻¹⁴ of the output plus 10⁻¹⁸ DAI. The tolerance is 10⁻⁹ of the output and the
    /// owe, plus 10⁻⁹ DAI: five orders of magnitude to spare, and still a band that a
    /// margin compared with a gas cost rarely falls in.
    static func estimate(
        slice: UInt256, owe: UInt256, reserves: (UInt256, UInt256)
    ) -> FlashMargin? {
        guard !slice.isZero, !reserves.0.isZero, !reserves.1.isZero else { return nil }
        let amount = slice.approximateValue
        let reserveIn = reserves.0.approximateValue
        let reserveOut = reserves.1.approximateValue
        let withFee = amount * 997
        let output = withFee * reserveOut / (reserveIn * 1_000 + withFee) / 1e18
        let owed = owe.approximateValue / 1e45
        // Far below where `checkedMultiply` and `checkedAdd` overflow (2²⁵⁶ ≈ 1.2·10⁷⁷).
        let safe = withFee * reserveOut < 1e74 && reserveIn * 1_000 + withFee < 1e74
        return FlashMargin(
            value: output - owed, tolerance: safe ? 1e-9 * (output + owed + 1) : .infinity)
    }
}
