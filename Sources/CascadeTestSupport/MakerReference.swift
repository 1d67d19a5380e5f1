import CascadeContracts
import CascadeCore

// Naive reference models of the two auction paths, for model-based tests of MakerSystem.
// They share no code with it: amounts are `ReferenceNatural` (schoolbook arbitrary
// precision), and the rules are written as the plain-language auction rules rather than
// as dss's control flow.

private func natural(_ value: UInt256) -> ReferenceNatural { ReferenceNatural(value) }

private func uint(_ value: ReferenceNatural) -> UInt256 {
    guard let result = value.uint256Value else { preconditionFailure("reference overflow") }
    return result
}

private func minus(_ a: ReferenceNatural, _ b: ReferenceNatural) -> ReferenceNatural {
    guard let result = a - b else { preconditionFailure("reference underflow") }
    return result
}

private func quotient(_ a: ReferenceNatural, _ b: ReferenceNatural) -> ReferenceNatural {
    a.divided(by: b).quotient
}

/// A Clipper sale's take path, naively.
///
/// Rules: the buyer asks for `q = min(amt, lot)` at `price`. If `q · price` covers the
/// tab, the buyer pays exactly the tab and gets `⌊tab / price⌋`. If the buyer takes the
/// whole lot, they pay `q · price`. Otherwise the purchase is partial, and it must leave at
/// least `chost` of tab: if it would not, the buyer pays `tab − chost` instead, and if the
/// tab is already at most `chost`, the purchase is refused.
public struct MakerReferenceClip: Sendable {
    public private(set) var tab: ReferenceNatural
    public private(set) var lot: ReferenceNatural
    public let chost: ReferenceNatural

    public init(tab: UInt256, lot: UInt256, chost: UInt256) {
        self.tab = natural(tab)
        self.lot = natural(lot)
        self.chost = natural(chost)
    }

    /// Whether the sale is over (no collateral or no tab left).
    public var isOver: Bool { tab.isZero || lot.isZero }

    /// Applies a take; returns `(slice, owe)` (WAD, RAD) or nil if refused.
    public mutating func take(amt: UInt256, price: UInt256) -> (slice: UInt256, owe: UInt256)? {
        let priceN = natural(price)
        let wanted = natural(amt) < lot ? natural(amt) : lot
        let cost = wanted * priceN
        var slice: ReferenceNatural
        var owe: ReferenceNatural
        if !(cost < tab) {
            owe = tab
            slice = priceN.isZero ? wanted : quotient(tab, priceN)
        } else if wanted == lot {
            owe = cost
            slice = wanted
        } else if !(minus(tab, cost) < chost) {
            owe = cost
            slice = wanted
        } else {
            guard chost < tab, !priceN.isZero else { return nil }
            owe = minus(tab, chost)
            slice = quotient(owe, priceN)
        }
        tab = minus(tab, owe)
        lot = minus(lot, slice)
        return (uint(slice), uint(owe))
    }

    /// Collateral handed back to the vault owner when the sale ends with tab raised.
    public var leftoverForOwner: UInt256 { tab.isZero ? uint(lot) : .zero }
}

/// A Flipper auction, naively, with its own DAI and collateral ledger.
///
/// Rules: while the auction is open (before `end`, and before the current bid expires if
/// there is one), a bidder may raise the DAI bid for the whole lot — by at least `beg`, or
/// to exactly the tab — up to the tab; once the bid is the tab, a bidder may instead offer
/// to take a lot smaller by at least `beg` for it. The new high bidder repays the old one;
/// raises go to the Vow and lot cuts to the vault owner. Once closed with a bid, the lot
/// goes to the high bidder. Closed with no bid, the auction may be restarted.
public struct MakerReferenceFlip: Sendable {
    public private(set) var bid: ReferenceNatural
    public private(set) var lot: ReferenceNatural
    public private(set) var tab: ReferenceNatural
    public private(set) var guy: Address
    public private(set) var tic: UInt64
    public private(set) var end: UInt64
    public private(set) var isDealt = false
    let beg: ReferenceNatural
    let ttl: UInt64
    let tau: UInt64
    /// DAI each participant paid in (negative balances impossible: refunds come back).
    public private(set) var daiPaid: [Address: ReferenceNatural] = [:]
    /// DAI received by the Vow.
    public private(set) var vowReceived = ReferenceNatural.zero
    /// Collateral given back to the vault owner.
    public private(set) var ownerReturned = ReferenceNatural.zero

    public init(
        lot: UInt256, tab: UInt256, beg: UInt256, ttl: UInt64, tau: UInt64, kickedAt: UInt64,
        cat: Address
    ) {
        self.bid = .zero
        self.lot = natural(lot)
        self.tab = natural(tab)
        self.guy = cat
        self.tic = 0
        self.end = kickedAt + tau
        self.beg = natural(beg)
        self.ttl = ttl
        self.tau = tau
    }

    private var one: ReferenceNatural { natural(MakerSystem.wad) }

    private func isOpen(_ now: UInt64) -> Bool {
        !isDealt && (tic == 0 || now < tic) && now < end
    }

    private mutating func pay(_ bidder: Address, _ amount: ReferenceNatural) {
        daiPaid[bidder] = (daiPaid[bidder] ?? .zero) + amount
    }

    private mutating func refund(_ bidder: Address, _ amount: ReferenceNatural) {
        daiPaid[bidder] = minus(daiPaid[bidder] ?? .zero, amount)
    }

    /// A raise of the DAI bid for the whole lot; returns whether it was accepted.
    /// `wallet` is the bidder's DAI, RAD.
    public mutating func tend(
        bidder: Address, lot offeredLot: UInt256, bid offeredBid: UInt256, wallet: UInt256,
        now: UInt64
    ) -> Bool {
        let newBid = natural(offeredBid)
        let bigEnough = !(newBid * one < beg * bid) || newBid == tab
        guard isOpen(now), natural(offeredLot) == lot, !(tab < newBid), bid < newBid,
            bigEnough
        else { return false }
        // The new bidder repays the old high bid (unless it is theirs) and pays the raise.
        let outlay = bidder == guy ? minus(newBid, bid) : newBid
        guard !(natural(wallet) < outlay) else { return false }
        if bidder != guy { refund(guy, bid) }
        pay(bidder, outlay)
        vowReceived = vowReceived + minus(newBid, bid)
        bid = newBid
        guy = bidder
        tic = now + ttl
        return true
    }

    /// A cut of the lot at a bid equal to the tab; returns whether it was accepted.
    public mutating func dent(
        bidder: Address, lot offeredLot: UInt256, bid offeredBid: UInt256, wallet: UInt256,
        now: UInt64
    ) -> Bool {
        let newLot = natural(offeredLot)
        guard isOpen(now), natural(offeredBid) == bid, bid == tab, newLot < lot,
            !(one * lot < beg * newLot)
        else { return false }
        let outlay = bidder == guy ? ReferenceNatural.zero : bid
        guard !(natural(wallet) < outlay) else { return false }
        if bidder != guy {
            refund(guy, bid)
            pay(bidder, bid)
        }
        ownerReturned = ownerReturned + minus(lot, newLot)
        lot = newLot
        guy = bidder
        tic = now + ttl
        return true
    }

    /// Closes the auction once a bid expired or the auction ended; the lot goes to `guy`.
    public mutating func deal(now: UInt64) -> Bool {
        guard !isDealt, tic != 0, tic < now || end < now else { return false }
        isDealt = true
        return true
    }

    /// Restarts an auction that ended with no bid.
    public mutating func tick(now: UInt64) -> Bool {
        guard !isDealt, end < now, tic == 0 else { return false }
        end = now + tau
        return true
    }

    /// The current bid, lot and tab in base units, for comparison.
    public var state: (bid: UInt256, lot: UInt256, guy: Address, tic: UInt64, end: UInt64) {
        (uint(bid), uint(lot), guy, tic, end)
    }

    /// DAI `bidder` has paid in net, RAD.
    public func paid(by bidder: Address) -> UInt256 {
        uint(daiPaid[bidder] ?? .zero)
    }

    /// DAI the Vow received, RAD; collateral returned to the owner, WAD.
    public var proceeds: UInt256 { uint(vowReceived) }
    public var returnedToOwner: UInt256 { uint(ownerReturned) }
}
