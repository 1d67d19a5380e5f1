import CascadeCore

// Circuit breakers and liquidation-fee designs around the lending pools and perpetuals
// exchanges (docs/model/circuit-breakers.md). A protocol without a guard runs exactly as
// before: `performAave`, `performCompound` and `performPerp` look for one first.

extension ProtocolState {
    // MARK: - Wiring

    /// Adds a guard around its target protocol (which must exist and have no guard yet);
    /// returns its index, which governance's breaker parameters name.
    public mutating func addGuard(_ guarded: ProtocolGuard) -> Int {
        switch guarded.target {
        case .aave(let index): precondition(aavePools.indices.contains(index), "unknown pool")
        case .compound(let index):
            precondition(compoundComptrollers.indices.contains(index), "unknown comptroller")
        case .perp(let index):
            precondition(perpExchanges.indices.contains(index), "unknown exchange")
        case .maker:
            break
        }
        precondition(guardIndex(guarded.target) == nil, "protocol already guarded")
        guards.append(guarded)
        return guards.count - 1
    }

    /// The index of `target`'s guard, if it has one. O(guards), a handful.
    public func guardIndex(_ target: ProtocolGuard.Target) -> Int? {
        guards.firstIndex { $0.target == target }
    }

    /// The oracle prices a new guard of `target` starts from, by asset (Aave: reserves;
    /// Compound: markets' underlying prices; perpetuals: markets' marks).
    public func guardPrices(_ target: ProtocolGuard.Target) -> [UInt256] {
        switch target {
        case .aave(let index):
            return aavePools[index].reserves.map(\.price)
        case .compound(let index):
            let comptroller = compoundComptrollers[index]
            return comptroller.markets.map { (try? comptroller.underlyingPrice($0)) ?? .zero }
        case .perp(let index):
            return perpExchanges[index].markets.map { UInt256(UInt128(max(0, $0.price))) }
        case .maker:
            return maker.ilks.map { $0.feedPrice ?? .zero }
        }
    }

    // MARK: - Maker

    /// A Maker call under the Maker guard: `bite` and `bark` are liquidations, a `frob`
    /// that draws debt is borrowing; the Spotter's price is recorded by `spotterPoke`.
    mutating func performGuardedMaker(
        _ call: MakerSystem.Call, guard g: Int, caller: Address, block: BlockContext,
        events: inout [Event]
    ) throws(Revert) {
        let now = block.timestamp
        switch call {
        case .bite, .bark:
            try guards[g].requireOpen(.liquidation, at: now)
        case .frob(_, _, let dart) where !dart.isNegative && !dart.magnitude.isZero:
            try guards[g].requireOpen(.trading, at: now)
        default:
            break
        }
        try applyMaker(call, caller: caller, block: block, events: &events)
        var reports: [ProtocolGuard.Event] = []
        guards[g].announce(at: now, events: &reports)
        for report in reports { events.append(.guarded(report)) }
    }

    /// The Spotter's poke under the Maker guard: the ilk's new price is recorded.
    mutating func performGuardedSpotterPoke(
        ilk: MakerSystem.IlkID, price: UInt256, guard g: Int, caller: Address,
        block: BlockContext, events: inout [Event]
    ) throws(Revert) {
        try applyMaker(
            .poke(ilk: ilk, price: price), caller: caller, block: block, events: &events)
        var reports: [ProtocolGuard.Event] = []
        if !price.isZero {
            guards[g].observe(
                asset: Int(ilk.rawValue), price: price, at: block.timestamp, events: &reports)
        }
        for report in reports { events.append(.guarded(report)) }
    }

    // MARK: - Aave

    mutating func performGuardedAave(
        _ index: Int, _ call: AavePool.Call, guard g: Int, caller: Address,
        block: BlockContext, events: inout [Event]
    ) throws(Revert) {
        let now = block.timestamp
        var reports: [ProtocolGuard.Event] = []
        switch call {
        case .liquidationCall(let c, let d, let user, _, _):
            try guards[g].requireOpen(.liquidation, at: now)
            let account = UInt64(user.rawValue)
            let fee = guards[g].penalty(account: account, assets: [c, d], at: now)
            let saved =
                aavePools[index].reserves.indices.contains(c)
                ? aavePools[index].reserves[c].configuration.liquidationBonusBps : nil
            if let fee, let saved {
                aavePools[index].reserves[c].configuration.liquidationBonusBps =
                    Self.aaveBonus(
                        penaltyBps: fee.penaltyBps,
                        thresholdBps: aavePools[index].reserves[c].configuration
                            .liquidationThresholdBps, fallback: saved)
            }
            defer {
                if let saved, fee != nil {
                    aavePools[index].reserves[c].configuration.liquidationBonusBps = saved
                }
            }
            try performAave(index, call, caller: caller, block: block, events: &events)
            let unsafe = aavePools[index].accountData(of: user, at: now).isLiquidatable
            settleGuardedLiquidation(
                g, account: account, stillUnsafe: unsafe, fee: fee, at: now, reports: &reports)
        case .borrow:
            try guards[g].requireOpen(.trading, at: now)
            try performAave(index, call, caller: caller, block: block, events: &events)
            guards[g].announce(at: now, events: &reports)
        case .setAssetPrice(let asset, _):
            try performAave(index, call, caller: caller, block: block, events: &events)
            guards[g].observe(
                asset: asset, price: aavePools[index].reserves[asset].price, at: now,
                events: &reports)
        default:
            try performAave(index, call, caller: caller, block: block, events: &events)
            if case .flashLoan = call {} else { guards[g].announce(at: now, events: &reports) }
        }
        for report in reports { events.append(.guarded(report)) }
    }

    /// After a guarded liquidation went through: the guard learns whether the account is
    /// still unsafe (its Dutch clock runs on while it is), the fee design's penalty is
    /// reported when one applied, and a trip or resume due now is announced.
    mutating func settleGuardedLiquidation(
        _ g: Int, account: UInt64, stillUnsafe: Bool,
        fee: (penaltyBps: UInt256, elapsedSeconds: UInt64, moveBps: UInt256)?, at now: UInt64,
        reports: inout [ProtocolGuard.Event]
    ) {
        guards[g].noteLiquidation(account: account, at: now, stillUnsafe: stillUnsafe)
        if let fee {
            reports.append(
                .feeApplied(
                    guards[g].target, account: account, design: guards[g].feeDesign.name,
                    elapsedSeconds: fee.elapsedSeconds, moveBps: fee.moveBps,
                    penaltyBps: fee.penaltyBps))
        }
        guards[g].announce(at: now, events: &reports)
    }

    /// Aave's bonus for a design's penalty, `10⁴ + penalty`, lowered to the largest bonus
    /// with `threshold × bonus ≤ 100%` (Aave's configurator rule, so a liquidation never
    /// takes more collateral than the threshold leaves); the configured bonus for a reserve
    /// that is not collateral.
    static func aaveBonus(penaltyBps: UInt256, thresholdBps: UInt256, fallback: UInt256)
        -> UInt256
    {
        guard !thresholdBps.isZero else { return fallback }
        var bonus = UInt256.percentageFactor + penaltyBps
        let most = UInt256.percentageFactor * UInt256.percentageFactor / thresholdBps
        if bonus > most { bonus = most }
        while bonus > UInt256.percentageFactor
            && percentMul(thresholdBps, bonus) > UInt256.percentageFactor
        {
            bonus -= 1
        }
        return bonus
    }

    // MARK: - Compound

    mutating func performGuardedCompound(
        _ index: Int, _ call: CompoundComptroller.Call, guard g: Int, caller: Address,
        block: BlockContext, events: inout [Event]
    ) throws(Revert) {
        let now = block.timestamp
        var reports: [ProtocolGuard.Event] = []
        switch call {
        case .liquidateBorrow(let b, let borrower, _, let c):
            try guards[g].requireOpen(.liquidation, at: now)
            let account = UInt64(borrower.rawValue)
            let fee = guards[g].penalty(account: account, assets: [b, c], at: now)
            let saved = compoundComptrollers[index].configuration.liquidationIncentive
            if let fee {
                compoundComptrollers[index].configuration.liquidationIncentive =
                    .wad + fee.penaltyBps * 100_000_000_000_000
            }
            defer { compoundComptrollers[index].configuration.liquidationIncentive = saved }
            try performCompound(index, call, caller: caller, block: block, events: &events)
            let unsafe =
                !((try? compoundComptrollers[index].accountLiquidity(of: borrower, ledger: ledger))?
                .shortfall
                .isZero ?? true)
            settleGuardedLiquidation(
                g, account: account, stillUnsafe: unsafe, fee: fee, at: now, reports: &reports)
        case .borrow:
            try guards[g].requireOpen(.trading, at: now)
            try performCompound(index, call, caller: caller, block: block, events: &events)
            guards[g].announce(at: now, events: &reports)
        case .oracle:
            try performCompound(index, call, caller: caller, block: block, events: &events)
            let prices = guardPrices(guards[g].target)
            for (market, price) in prices.enumerated()
            where !price.isZero && price != guards[g].history.latest(market) {
                guards[g].observe(asset: market, price: price, at: now, events: &reports)
            }
            guards[g].announce(at: now, events: &reports)
        default:
            try performCompound(index, call, caller: caller, block: block, events: &events)
            guards[g].announce(at: now, events: &reports)
        }
        for report in reports { events.append(.guarded(report)) }
    }

    // MARK: - Perpetuals

    mutating func performGuardedPerp(
        _ index: Int, _ call: PerpExchange.Call, guard g: Int, caller: Address,
        block: BlockContext, events: inout [Event]
    ) throws(Revert) {
        let now = block.timestamp
        var reports: [ProtocolGuard.Event] = []
        switch call {
        case .liquidate(let account, let market, _, _, _):
            try guards[g].requireOpen(.liquidation, at: now)
            let key = UInt64(account.rawValue)
            let slot = Int(market.rawValue)
            let fee = guards[g].penalty(account: key, assets: [slot], at: now)
            let markets = perpExchanges[index].markets
            let saved =
                markets.indices.contains(slot)
                ? markets[slot].terms.liquidationPenaltyPpm : nil
            if let fee, saved != nil {
                let ppm = fee.penaltyBps * 100
                perpExchanges[index].markets[slot].terms.liquidationPenaltyPpm =
                    Int128(min(ppm, 1_000_000).toUInt128())
            }
            defer {
                if let saved, fee != nil {
                    perpExchanges[index].markets[slot].terms.liquidationPenaltyPpm = saved
                }
            }
            try performPerp(index, call, caller: caller, block: block, events: &events)
            let unsafe = (try? perpExchanges[index].risk(of: account).isLiquidatable) ?? false
            settleGuardedLiquidation(
                g, account: key, stillUnsafe: unsafe, fee: fee, at: now, reports: &reports)
        case .backstop, .deleverage:
            // The whole loss waterfall pauses: leaving deleveraging open would hand the
            // paused liquidations' losses to the profitable side instead.
            try guards[g].requireOpen(.liquidation, at: now)
            try performPerp(index, call, caller: caller, block: block, events: &events)
            guards[g].announce(at: now, events: &reports)
        case .trade:
            try guards[g].requireOpen(.trading, at: now)
            try performPerp(index, call, caller: caller, block: block, events: &events)
            guards[g].announce(at: now, events: &reports)
        case .updatePrice(let market, let price):
            try performPerp(index, call, caller: caller, block: block, events: &events)
            guards[g].observe(
                asset: Int(market.rawValue), price: UInt256(UInt128(max(0, price))), at: now,
                events: &reports)
        default:
            try performPerp(index, call, caller: caller, block: block, events: &events)
            guards[g].announce(at: now, events: &reports)
        }
        for report in reports { events.append(.guarded(report)) }
    }
}
