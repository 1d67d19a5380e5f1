import CascadeCore

extension MakerSystem {
    /// Verifies dss's books; a violation is a bug in this model, never user error.
    ///
    /// - `debt == Σ dai` and `vice == Σ sin` (Vat);
    /// - each ilk's `Art == Σ urn.art`;
    /// - collateral is conserved: `Σ urn.ink + Σ gem == collateralEntered`, and each
    ///   auction house holds exactly the lots of its live auctions;
    /// - `litter == Σ tab` of live Flipper auctions, `Dirt == Σ ilk.dirt`, and each
    ///   `ilk.dirt == Σ tab` of its live Clipper auctions;
    /// - the Vow's queued `Sin` equals the sum of its queue;
    /// - no flash take is left unpaid.
    ///
    /// Complexity: O(vaults + balances + auctions), balances by address. Sums are
    /// order-independent.
    public func checkInvariants() throws(InvariantViolation) {
        guard pendingTake == nil else { throw InvariantViolation("Maker: unsettled flash take") }
        var daiSum = UInt256.zero
        for value in daiBalances.values { daiSum = try sum(daiSum, value, "dai") }
        guard daiSum == debt else {
            throw InvariantViolation("Vat: debt \(debt) != sum of dai \(daiSum)")
        }
        var sinSum = UInt256.zero
        for value in sinBalances.values { sinSum = try sum(sinSum, value, "sin") }
        guard sinSum == vice else {
            throw InvariantViolation("Vat: vice \(vice) != sum of sin \(sinSum)")
        }
        var queued = UInt256.zero
        for value in sinQueue.values { queued = try sum(queued, value, "Sin") }
        guard queued == queuedSin else {
            throw InvariantViolation("Vow: Sin \(queuedSin) != sum of queue \(queued)")
        }
        var art = [UInt256](repeating: .zero, count: ilks.count)
        var held = [UInt256](repeating: .zero, count: ilks.count)
        for (key, urn) in urns.entries {
            let index = Int(key.ilk.rawValue)
            art[index] = try sum(art[index], urn.art, "Art")
            held[index] = try sum(held[index], urn.ink, "ink")
        }
        for (key, amount) in gems.entries {
            let index = Int(key.ilk.rawValue)
            held[index] = try sum(held[index], amount, "gem")
        }
        var lots = [UInt256](repeating: .zero, count: ilks.count)
        var tabs = [UInt256](repeating: .zero, count: ilks.count)
        var flipTabs = UInt256.zero
        guard auctionRevisions.slots.count == auctionSlots.count else {
            throw InvariantViolation(
                "auction revisions: \(auctionRevisions.slots.count) for \(auctionSlots.count) slots"
            )
        }
        for case let auction? in auctionSlots {
            let index = Int(auction.ilk.rawValue)
            lots[index] = try sum(lots[index], auction.lot, "lot")
            switch auction {
            case .flip(let flip): flipTabs = try sum(flipTabs, flip.tab, "litter")
            case .clip(let clip): tabs[index] = try sum(tabs[index], clip.tab, "dirt")
            }
        }
        guard flipTabs == litter else {
            throw InvariantViolation("Cat: litter \(litter) != sum of flip tabs \(flipTabs)")
        }
        var dirtSum = UInt256.zero
        for (index, ilk) in ilks.enumerated() {
            let name = ilk.name
            guard art[index] == ilk.totalArt else {
                throw InvariantViolation("\(name): Art \(ilk.totalArt) != sum of art \(art[index])")
            }
            guard held[index] == ilk.collateralEntered else {
                throw InvariantViolation(
                    "\(name): collateral entered \(ilk.collateralEntered) != held \(held[index])")
            }
            let house = gem(
                ilk: IlkID(rawValue: UInt16(index)), owner: ilk.liquidation.auctionHouse)
            guard house == lots[index] else {
                throw InvariantViolation(
                    "\(name): auction house holds \(house), lots \(lots[index])")
            }
            guard ilk.dirt == tabs[index] else {
                throw InvariantViolation("\(name): dirt \(ilk.dirt) != sum of tabs \(tabs[index])")
            }
            dirtSum = try sum(dirtSum, ilk.dirt, "Dirt")
        }
        guard dirtSum == globalDirt else {
            throw InvariantViolation("Dog: Dirt \(globalDirt) != sum of dirt \(dirtSum)")
        }
    }

    private func sum(_ a: UInt256, _ b: UInt256, _ what: String) throws(InvariantViolation)
        -> UInt256
    {
        let (total, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw InvariantViolation("Maker: \(what) overflows") }
        return total
    }
}
