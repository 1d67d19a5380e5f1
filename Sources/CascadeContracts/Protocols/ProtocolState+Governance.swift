import CascadeCore

// The governance timelock's calls and the parameter writes an executed proposal makes
// (docs/model/governance.md).

extension ProtocolState {
    /// Installs the governance contract (once, while wiring a world).
    public mutating func setGovernance(_ governance: Governance) {
        precondition(self.governance == nil, "governance already set")
        self.governance = governance
    }

    mutating func performGovernance(
        _ call: Governance.Call, caller: Address, block: BlockContext, events: inout [Event]
    ) throws(Revert) {
        guard var governance else { throw Revert("Governance/none") }
        let now = block.timestamp
        switch call {
        case .propose(let parameter, let value, let label):
            // The value is checked against the protocol when executed (it may change by
            // then); the parameter must exist now.
            _ = try parameterValue(parameter)
            let proposal = try governance.propose(
                parameter, value: value, label: label, caller: caller, now: now)
            self.governance = governance
            events.append(.governance(.proposed(proposal, delaySeconds: governance.delaySeconds)))
        case .execute(let id):
            let proposal = try governance.executable(id, now: now)
            let previous = try parameterValue(proposal.parameter)
            try setParameter(proposal.parameter, to: proposal.value)
            governance.markExecuted(id, at: now)
            self.governance = governance
            var executed = proposal
            executed.executedAt = now
            events.append(.governance(.executed(executed, previous: previous)))
        }
    }

    /// The current value of `parameter`, in its unit (`Governance.Parameter`).
    public func parameterValue(_ parameter: Governance.Parameter) throws(Revert) -> UInt256 {
        switch parameter {
        case .aaveLTV(let pool, let asset):
            return try aaveReserve(pool, asset).configuration.ltvBps
        case .aaveLiquidationThreshold(let pool, let asset):
            return try aaveReserve(pool, asset).configuration.liquidationThresholdBps
        case .aaveLiquidationBonus(let pool, let asset):
            return try aaveReserve(pool, asset).configuration.liquidationBonusBps
        case .compoundCloseFactor(let index):
            return try comptroller(index).configuration.closeFactor
        case .compoundLiquidationIncentive(let index):
            return try comptroller(index).configuration.liquidationIncentive
        case .compoundCollateralFactor(let index, let market):
            let markets = try comptroller(index).markets
            guard markets.indices.contains(market) else { throw Revert("Governance/no-market") }
            return markets[market].configuration.collateralFactor
        case .perpInitialMargin(let exchange, let market):
            return try ppm(perpTerms(exchange, market).initialMarginPpm)
        case .perpMaintenanceMargin(let exchange, let market):
            return try ppm(perpTerms(exchange, market).maintenanceMarginPpm)
        case .perpLiquidationPenalty(let exchange, let market):
            return try ppm(perpTerms(exchange, market).liquidationPenaltyPpm)
        case .makerChop(let ilk):
            switch try makerLiquidation(ilk) {
            case .flip(let terms): return terms.chop
            case .clip(let terms): return terms.chop
            }
        case .flipperTTL(let ilk):
            guard case .flip(let terms) = try makerLiquidation(ilk) else {
                throw Revert("Governance/not-flipper")
            }
            return UInt256(terms.ttl)
        case .flipperTau(let ilk):
            guard case .flip(let terms) = try makerLiquidation(ilk) else {
                throw Revert("Governance/not-flipper")
            }
            return UInt256(terms.tau)
        case .clipperBuf(let ilk):
            guard case .clip(let terms) = try makerLiquidation(ilk) else {
                throw Revert("Governance/not-clipper")
            }
            return terms.buf
        case .clipperTail(let ilk):
            guard case .clip(let terms) = try makerLiquidation(ilk) else {
                throw Revert("Governance/not-clipper")
            }
            return UInt256(terms.tail)
        case .breakerMove(let g):
            return try breakerRule(g).moveBps ?? .zero
        case .breakerWindow(let g):
            return UInt256(try breakerRule(g).windowSeconds)
        case .breakerCooldown(let g):
            return UInt256(try breakerRule(g).cooldownSeconds)
        case .breakerStale(let g):
            return UInt256(try breakerRule(g).staleSeconds ?? 0)
        }
    }

    /// Writes `value` to `parameter`, reverting when the protocol would refuse it. Every
    /// check comes before the one write.
    mutating func setParameter(_ parameter: Governance.Parameter, to value: UInt256)
        throws(Revert)
    {
        let hundred = UInt256.percentageFactor
        switch parameter {
        case .aaveLTV(let pool, let asset):
            let terms = try aaveReserve(pool, asset).configuration
            guard value <= terms.liquidationThresholdBps else {
                throw Revert("Governance/ltv-above-threshold")
            }
            aavePools[pool].reserves[asset].configuration.ltvBps = value
        case .aaveLiquidationThreshold(let pool, let asset):
            let terms = try aaveReserve(pool, asset).configuration
            guard terms.ltvBps <= value, value <= hundred,
                value.isZero || percentMul(value, terms.liquidationBonusBps) <= hundred
            else { throw Revert("Governance/invalid-threshold") }
            aavePools[pool].reserves[asset].configuration.liquidationThresholdBps = value
        case .aaveLiquidationBonus(let pool, let asset):
            let terms = try aaveReserve(pool, asset).configuration
            guard value > hundred, percentMul(terms.liquidationThresholdBps, value) <= hundred
            else { throw Revert("Governance/invalid-bonus") }
            aavePools[pool].reserves[asset].configuration.liquidationBonusBps = value
        case .compoundCloseFactor(let index):
            _ = try comptroller(index)
            guard value <= .wad else { throw Revert("Governance/invalid-close-factor") }
            compoundComptrollers[index].configuration.closeFactor = value
        case .compoundLiquidationIncentive(let index):
            _ = try comptroller(index)
            guard value >= .wad else { throw Revert("Governance/invalid-incentive") }
            compoundComptrollers[index].configuration.liquidationIncentive = value
        case .compoundCollateralFactor(let index, let market):
            _ = try parameterValue(parameter)
            // Compound's `_setCollateralFactor` caps it at 0.9.
            guard value <= 900_000_000_000_000_000 else {
                throw Revert("Governance/invalid-collateral-factor")
            }
            compoundComptrollers[index].markets[market].configuration.collateralFactor = value
        case .perpInitialMargin(let exchange, let market):
            let terms = try perpTerms(exchange, market)
            let ppm = try ppmValue(value)
            guard ppm >= terms.maintenanceMarginPpm else {
                throw Revert("Governance/initial-below-maintenance")
            }
            perpExchanges[exchange].markets[market].terms.initialMarginPpm = ppm
        case .perpMaintenanceMargin(let exchange, let market):
            let terms = try perpTerms(exchange, market)
            let ppm = try ppmValue(value)
            guard ppm > 0, ppm <= terms.initialMarginPpm else {
                throw Revert("Governance/maintenance-above-initial")
            }
            perpExchanges[exchange].markets[market].terms.maintenanceMarginPpm = ppm
        case .perpLiquidationPenalty(let exchange, let market):
            _ = try perpTerms(exchange, market)
            let ppm = try ppmValue(value)
            perpExchanges[exchange].markets[market].terms.liquidationPenaltyPpm = ppm
        case .makerChop, .flipperTTL, .flipperTau, .clipperBuf, .clipperTail:
            try setMakerParameter(parameter, to: value)
        case .breakerMove(let g):
            _ = try breakerRule(g)
            guards[g].breaker?.rule.moveBps = value.isZero ? nil : value
        case .breakerWindow(let g):
            _ = try breakerRule(g)
            let seconds = try secondsValue(value)
            guard seconds <= guards[g].history.horizonSeconds else {
                throw Revert("Governance/window-beyond-history")
            }
            guards[g].breaker?.rule.windowSeconds = seconds
        case .breakerCooldown(let g):
            _ = try breakerRule(g)
            let seconds = try secondsValue(value)
            guards[g].breaker?.rule.cooldownSeconds = seconds
        case .breakerStale(let g):
            _ = try breakerRule(g)
            let seconds = try secondsValue(value)
            guards[g].breaker?.rule.staleSeconds = seconds == 0 ? nil : seconds
        }
    }

    mutating func setMakerParameter(_ parameter: Governance.Parameter, to value: UInt256)
        throws(Revert)
    {
        var liquidation: MakerSystem.Liquidation
        let ilk: Int
        switch parameter {
        case .makerChop(let index), .flipperTTL(let index), .flipperTau(let index),
            .clipperBuf(let index), .clipperTail(let index):
            ilk = index
            liquidation = try makerLiquidation(index)
        default:
            preconditionFailure("not a Maker parameter")
        }
        switch (parameter, liquidation) {
        case (.makerChop, .flip(var terms)):
            guard value >= .wad else { throw Revert("Governance/invalid-chop") }
            terms.chop = value
            liquidation = .flip(terms)
        case (.makerChop, .clip(var terms)):
            guard value >= .wad else { throw Revert("Governance/invalid-chop") }
            terms.chop = value
            liquidation = .clip(terms)
        case (.flipperTTL, .flip(var terms)):
            terms.ttl = try secondsValue(value)
            liquidation = .flip(terms)
        case (.flipperTau, .flip(var terms)):
            terms.tau = try secondsValue(value)
            liquidation = .flip(terms)
        case (.clipperBuf, .clip(var terms)):
            guard value >= MakerSystem.ray else { throw Revert("Governance/invalid-buf") }
            terms.buf = value
            liquidation = .clip(terms)
        case (.clipperTail, .clip(var terms)):
            terms.tail = try secondsValue(value)
            liquidation = .clip(terms)
        default:
            throw Revert("Governance/wrong-auction-kind")
        }
        maker.ilks[ilk].liquidation = liquidation
    }

    // MARK: - Checked reads

    func aaveReserve(_ pool: Int, _ asset: Int) throws(Revert) -> AavePool.Reserve {
        guard aavePools.indices.contains(pool), aavePools[pool].reserves.indices.contains(asset)
        else { throw Revert("Governance/no-reserve") }
        return aavePools[pool].reserves[asset]
    }

    func comptroller(_ index: Int) throws(Revert) -> CompoundComptroller {
        guard compoundComptrollers.indices.contains(index) else {
            throw Revert("Governance/no-comptroller")
        }
        return compoundComptrollers[index]
    }

    func perpTerms(_ exchange: Int, _ market: Int) throws(Revert) -> PerpMarketTerms {
        guard perpExchanges.indices.contains(exchange),
            perpExchanges[exchange].markets.indices.contains(market)
        else { throw Revert("Governance/no-market") }
        return perpExchanges[exchange].markets[market].terms
    }

    func makerLiquidation(_ ilk: Int) throws(Revert) -> MakerSystem.Liquidation {
        guard maker.ilks.indices.contains(ilk) else { throw Revert("Governance/no-ilk") }
        return maker.ilks[ilk].liquidation
    }

    func breakerRule(_ g: Int) throws(Revert) -> CircuitBreaker.Rule {
        guard guards.indices.contains(g), let breaker = guards[g].breaker else {
            throw Revert("Governance/no-breaker")
        }
        return breaker.rule
    }

    func ppm(_ value: Int128) -> UInt256 {
        UInt256(UInt128(max(0, value)))
    }

    func ppmValue(_ value: UInt256) throws(Revert) -> Int128 {
        guard value <= UInt256(UInt64(1_000_000)) else { throw Revert("Governance/above-100%") }
        return Int128(value.toUInt128())
    }

    func secondsValue(_ value: UInt256) throws(Revert) -> UInt64 {
        guard value <= UInt256(UInt64(UInt32.max)) else { throw Revert("Governance/too-long") }
        return UInt64(value.toUInt128())
    }
}
