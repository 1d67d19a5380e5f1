import CascadeCore

// The Spotter (dss `spot.sol`), the Jug (`jug.sol`) and the Vow (`vow.sol`), reduced to
// what liquidations touch. The Vow keeps its debt queue (`sin[era]`, `Sin`) so `heal`
// is limited as on chain; there are no debt or surplus auctions (`Ash` is always 0).

extension MakerSystem {
    /// Spotter `poke`: `spot = rdiv(rdiv(price · 1e9, par), mat)`, `price` WAD.
    mutating func poke(ilk id: IlkID, price: UInt256, events: inout [Event]) throws(Revert) {
        let ilk = ilks[Int(id.rawValue)]
        let spot = try rdivChecked(
            try rdivChecked(try mulChecked(price, Self.billion), configuration.par), ilk.mat)
        ilks[Int(id.rawValue)].feedPrice = price
        ilks[Int(id.rawValue)].spot = spot
        events.append(.poked(ilk: id, price: price, spot: spot))
    }

    /// Jug `drip`: `rate' = rmul(rpow(base + duty, now − rho, RAY), rate)`; the increase
    /// times `Art` is new DAI for the Vow (Vat `fold`).
    mutating func drip(ilk id: IlkID, now: UInt64, events: inout [Event]) throws(Revert) {
        let ilk = ilks[Int(id.rawValue)]
        guard now >= ilk.rho else { throw Revert("Jug/invalid-now") }
        let perSecond = try addChecked(configuration.base, ilk.duty)
        let growth = rpow(perSecond, now - ilk.rho, Self.ray)
        let rate = try rmulChecked(growth, ilk.rate)
        precondition(rate >= ilk.rate, "duty ≥ 1 RAY keeps rate from falling")
        try fold(ilk: id, into: configuration.vow, by: rate - ilk.rate)
        ilks[Int(id.rawValue)].rho = now
        events.append(.dripped(ilk: id, rate: rate, previousRate: ilk.rate, seconds: now - ilk.rho))
    }

    /// Vow `fess`: queue `rad` of new bad debt under timestamp `now`.
    mutating func fess(_ rad: UInt256, now: UInt64) {
        sinQueue[now, default: .zero] += rad
        queuedSin += rad
    }

    /// Vow `flog`: release the debt queued at `era` once `era + wait ≤ now`.
    mutating func flog(era: UInt64, now: UInt64) throws(Revert) {
        let (due, overflow) = era.addingReportingOverflow(configuration.wait)
        guard !overflow, due <= now else { throw Revert("Vow/wait-not-finished") }
        let rad = sinQueue[era] ?? .zero
        sinQueue[era] = nil
        queuedSin -= rad
    }

    /// Vow `heal`: burn `rad` of the Vow's DAI against as much released `sin`.
    mutating func heal(rad: UInt256, events: inout [Event]) throws(Revert) {
        let vow = configuration.vow
        guard rad <= dai(vow) else { throw Revert("Vow/insufficient-surplus") }
        let released = sin(vow) >= queuedSin ? sin(vow) - queuedSin : .zero
        guard rad <= released else { throw Revert("Vow/insufficient-debt") }
        debitDai(vow, rad)
        debitSin(vow, rad)
        vice -= rad
        debt -= rad
        events.append(.healed(rad: rad))
    }
}
