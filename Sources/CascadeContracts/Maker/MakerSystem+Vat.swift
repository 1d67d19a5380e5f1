import CascadeCore

// The Vat (dss `vat.sol`): vaults, internal DAI and debt, free collateral. Every mutating
// function here checks all of its conditions before its first write, so a revert leaves
// the value as it was. Permissions are simplified: a caller acts on its own vault, gem
// and dai (dss's `wish(u, msg.sender)` with u = v = w = the caller).

extension MakerSystem {
    /// dss `frob(i, u, v, w, dink, dart)` with `u = v = w = owner`.
    mutating func frob(
        ilk id: IlkID, owner: Address, dink: Delta, dart: Delta, events: inout [Event]
    ) throws(Revert) {
        let key = IlkAccount(ilk: id, owner: owner)
        let ilk = ilks[Int(id.rawValue)]
        let old = urns[key] ?? Urn()
        let ink = try dink.applied(to: old.ink)
        let art = try dart.applied(to: old.art)
        let totalArt = try dart.applied(to: ilk.totalArt)
        let dtab = try dart.scaled(by: ilk.rate)
        let tab = try mulChecked(ilk.rate, art)
        let newDebt = try dtab.applied(to: debt)
        if !dart.isNonPositive {
            let ilkDebt = try mulChecked(totalArt, ilk.rate)
            guard ilkDebt <= ilk.line, newDebt <= configuration.globalLine else {
                throw Revert("Vat/ceiling-exceeded")
            }
        }
        if !(dart.isNonPositive && dink.isNonNegative) {
            guard tab <= (try mulChecked(ink, ilk.spot)) else { throw Revert("Vat/not-safe") }
        }
        guard art == .zero || tab >= ilk.dust else { throw Revert("Vat/dust") }
        let gem = self.gem(ilk: id, owner: owner)
        let newGem: UInt256
        if dink.isNegative {
            newGem = try addChecked(gem, dink.magnitude)
        } else {
            guard gem >= dink.magnitude else { throw Revert("Vat/insufficient-gem") }
            newGem = gem - dink.magnitude
        }
        let balance = dai(owner)
        let newDai: UInt256
        if dtab.isNegative {
            guard balance >= dtab.magnitude else { throw Revert("Vat/insufficient-dai") }
            newDai = balance - dtab.magnitude
        } else {
            newDai = try addChecked(balance, dtab.magnitude)
        }
        // Every check passed: write.
        setUrn(Urn(ink: ink, art: art), for: key)
        ilks[Int(id.rawValue)].totalArt = totalArt
        debt = newDebt
        setGem(newGem, for: key)
        setDai(newDai, for: owner)
        events.append(
            .frobbed(
                MakerFrob(
                    ilk: id, owner: owner, dink: dink, dart: dart, ink: ink, art: art,
                    rate: ilk.rate, spot: ilk.spot)))
    }

    /// dss `move`: internal DAI from `source` to `destination`, RAD.
    mutating func moveDai(from source: Address, to destination: Address, rad: UInt256)
        throws(Revert)
    {
        try requireDai(source, rad)
        debitDai(source, rad)
        creditDai(destination, rad)
    }

    /// dss `flux`: free collateral from `source` to `destination`, WAD.
    mutating func fluxGem(ilk: IlkID, from source: Address, to destination: Address, wad: UInt256)
        throws(Revert)
    {
        let from = IlkAccount(ilk: ilk, owner: source)
        let held = gems[from] ?? .zero
        guard held >= wad else { throw Revert("Vat/insufficient-gem") }
        moveGemUnchecked(ilk: ilk, from: source, to: destination, wad: wad)
    }

    /// dss `fold` with a nonnegative rate change: raises `rate` by `delta` RAY and credits
    /// `Art · delta` RAD of new DAI to `recipient` (the Vow).
    mutating func fold(ilk id: IlkID, into recipient: Address, by delta: UInt256) throws(Revert) {
        let ilk = ilks[Int(id.rawValue)]
        let rate = try addChecked(ilk.rate, delta)
        let rad = try mulChecked(ilk.totalArt, delta)
        let newDebt = try addChecked(debt, rad)
        _ = try addChecked(dai(recipient), rad)
        ilks[Int(id.rawValue)].rate = rate
        debt = newDebt
        creditDai(recipient, rad)
    }

    // MARK: - Join adapters (setup, not calls)

    /// GemJoin `join` (dss `vat.slip` +): `amount` WAD of `ilk`'s token enters the Vat as
    /// `owner`'s free collateral. The chain debits the ERC-20 side.
    public mutating func joinGem(ilk: IlkID, owner: Address, amount: UInt256) {
        let key = IlkAccount(ilk: ilk, owner: owner)
        setGem((gems[key] ?? .zero) + amount, for: key)
        ilks[Int(ilk.rawValue)].collateralEntered += amount
    }

    /// GemJoin `exit` (dss `vat.slip` −): `amount` WAD of `owner`'s free collateral leaves
    /// the Vat; the chain credits the ERC-20 side. Reverts, changing nothing, if short.
    public mutating func exitGem(ilk: IlkID, owner: Address, amount: UInt256) throws(Revert) {
        let key = IlkAccount(ilk: ilk, owner: owner)
        let held = gems[key] ?? .zero
        guard held >= amount else { throw Revert("Vat/insufficient-gem") }
        setGem(held - amount, for: key)
        ilks[Int(ilk.rawValue)].collateralEntered -= amount
    }

    /// DAI entering the model from outside it, RAD (world wiring: a keeper's starting
    /// DAI, or ERC-20 DAI joined through DaiJoin).
    ///
    /// On chain, all Vat DAI was drawn from vaults; DAI the model did not draw is minted
    /// by `suck` against `sin` held by `Address.zero`, which stands for "outside the
    /// model". The books stay balanced (`debt = Σ dai`, `vice = Σ sin`) and the Vow's
    /// figures, hence bad debt, are untouched. DAI returned through `exitDai` is netted
    /// against that `sin` first.
    public mutating func mintDai(to owner: Address, amount: UInt256) {
        let outside = Address.zero
        let returned = dai(outside)
        let fromReturned = Swift.min(returned, amount)
        if fromReturned > .zero {
            debitDai(outside, fromReturned)
            creditDai(owner, fromReturned)
        }
        let fresh = amount - fromReturned
        if fresh > .zero {
            suckUnchecked(debtor: outside, recipient: owner, rad: fresh)
        }
    }

    /// DAI leaving the model (DaiJoin `exit`), RAD: moved to `Address.zero`'s balance,
    /// from where a later `mintDai` takes it first. Reverts, changing nothing, if short.
    public mutating func exitDai(from owner: Address, amount: UInt256) throws(Revert) {
        try moveDai(from: owner, to: .zero, rad: amount)
    }

    // MARK: - Primitives (callers have checked everything)

    func requireDai(_ owner: Address, _ rad: UInt256) throws(Revert) {
        guard dai(owner) >= rad else { throw Revert("Vat/insufficient-dai") }
    }

    mutating func setUrn(_ urn: Urn, for key: IlkAccount) {
        if urn.ink == .zero && urn.art == .zero {
            urns[key] = nil
        } else {
            urns[key] = urn
        }
    }

    mutating func setGem(_ amount: UInt256, for key: IlkAccount) {
        gems[key] = amount == .zero ? nil : amount
    }

    mutating func setDai(_ rad: UInt256, for owner: Address) {
        daiBalances[owner] = rad == .zero ? nil : rad
    }

    mutating func creditDai(_ owner: Address, _ rad: UInt256) {
        guard rad > .zero else { return }
        daiBalances[owner] = dai(owner) + rad
    }

    mutating func debitDai(_ owner: Address, _ rad: UInt256) {
        guard rad > .zero else { return }
        let left = dai(owner) - rad
        daiBalances[owner] = left == .zero ? nil : left
    }

    mutating func creditSin(_ owner: Address, _ rad: UInt256) {
        guard rad > .zero else { return }
        sinBalances[owner] = sin(owner) + rad
    }

    mutating func debitSin(_ owner: Address, _ rad: UInt256) {
        guard rad > .zero else { return }
        let left = sin(owner) - rad
        sinBalances[owner] = left == .zero ? nil : left
    }

    mutating func moveGemUnchecked(
        ilk: IlkID, from source: Address, to destination: Address,
        wad: UInt256
    ) {
        guard wad > .zero, source != destination else { return }
        let from = IlkAccount(ilk: ilk, owner: source)
        let to = IlkAccount(ilk: ilk, owner: destination)
        setGem((gems[from] ?? .zero) - wad, for: from)
        setGem((gems[to] ?? .zero) + wad, for: to)
    }

    /// dss `suck(u, v, rad)`: new `sin` for `debtor`, new DAI for `recipient`.
    mutating func suckUnchecked(debtor: Address, recipient: Address, rad: UInt256) {
        creditSin(debtor, rad)
        creditDai(recipient, rad)
        vice += rad
        debt += rad
    }

    /// Whether `suck` of `rad` would overflow the totals.
    func checkSuck(_ rad: UInt256) throws(Revert) {
        _ = try addChecked(vice, rad)
        _ = try addChecked(debt, rad)
    }
}
