import CascadeCore

extension ProtocolState {
    /// Runs one call as `caller`.
    ///
    /// Inside a chain transaction (between `beginTransaction` and commit or rollback) the
    /// call's footprint is journaled first when the transaction needs it. Called on its own
    /// (tests, wiring), the call is made atomic by itself: a revert leaves the state equal
    /// to what it was.
    public mutating func apply(
        _ call: Call, caller: Address, block: BlockContext, events: inout [Event]
    ) throws(Revert) {
        if journal.inTransaction {
            if journal.isRecording {
                recordFootprint(of: call, caller: caller, block: block)
            }
            try perform(call, caller: caller, block: block, events: &events)
            return
        }
        beginTransaction([call])
        do {
            try perform(call, caller: caller, block: block, events: &events)
        } catch {
            rollBackTransaction()
            throw error
        }
        commitTransaction()
    }

    // MARK: - Transaction hooks (LedgerState)

    /// Starts a transaction: it journals only when rollback could need it — several calls,
    /// or one call that spans contracts or may be reverted after succeeding.
    public mutating func beginTransaction(_ calls: [Call]) {
        precondition(!journal.inTransaction, "transactions do not nest")
        journal.inTransaction = true
        journal.isRecording = calls.count > 1 || (calls.first?.needsJournalAlone ?? false)
    }

    /// The flash take must be paid before the transaction ends (dss's `take` checks the
    /// DAI after `clipperCall` returns).
    ///
    /// Flash loans are repaid here too (Aave pulls `amount + premium` after the
    /// receiver's `executeOperation` returns).
    public mutating func finishTransaction() throws(Revert) {
        try maker.requireSettled()
        for index in aavePools.indices where !aavePools[index].pendingFlashLoans.isEmpty {
            try aavePools[index].settleFlashLoans(ledger: &ledger)
        }
    }

    public mutating func commitTransaction() {
        journal.clear()
    }

    public mutating func rollBackTransaction() {
        if journal.isRecording {
            undoJournal()
        }
        journal.clear()
    }

    // MARK: - Dispatch

    mutating func perform(
        _ call: Call, caller: Address, block: BlockContext, events: inout [Event]
    ) throws(Revert) {
        switch call {
        case .transfer(let token, let destination, let amount):
            try requireToken(token)
            try ledger.transfer(token, from: caller, to: destination, amount: amount)
            events.append(
                .transferred(token, from: caller, to: destination, amount: UInt256(amount)))
        case .maker(let makerCall):
            if case .poke = makerCall { throw Revert("Spotter/use-spotter-poke") }
            if !guards.isEmpty, let g = guardIndex(.maker) {
                try performGuardedMaker(
                    makerCall, guard: g, caller: caller, block: block, events: &events)
            } else {
                try applyMaker(makerCall, caller: caller, block: block, events: &events)
            }
        case .spotterPoke(let ilk):
            guard let price = spotterPrice(ilk: ilk) else { throw Revert("Spotter/no-osm") }
            if !guards.isEmpty, let g = guardIndex(.maker) {
                try performGuardedSpotterPoke(
                    ilk: ilk, price: price, guard: g, caller: caller, block: block,
                    events: &events)
            } else {
                try applyMaker(
                    .poke(ilk: ilk, price: price), caller: caller, block: block, events: &events)
            }
        case .joinGem(let ilk, let amount):
            let collateral = try wiredCollateral(ilk)
            try ledger.transfer(
                collateral.token, from: caller, to: collateral.join, amount: try units(amount))
            maker.joinGem(ilk: ilk, owner: caller, amount: amount)
            events.append(.gemJoined(ilk: ilk, owner: caller, amount: amount))
        case .exitGem(let ilk, let amount):
            let collateral = try wiredCollateral(ilk)
            let tokens = try units(amount)
            try maker.exitGem(ilk: ilk, owner: caller, amount: amount)
            try ledger.transfer(collateral.token, from: collateral.join, to: caller, amount: tokens)
            events.append(.gemExited(ilk: ilk, owner: caller, amount: amount))
        case .joinDai(let amount):
            let rad = try radOf(amount)
            try ledger.burn(daiToken, from: caller, amount: try units(amount))
            maker.mintDai(to: caller, amount: rad)
            events.append(.daiJoined(owner: caller, amount: amount))
        case .exitDai(let amount):
            let rad = try radOf(amount)
            let tokens = try units(amount)
            guard UInt128.max - ledger.totalSupply(of: daiToken) >= tokens else {
                throw Revert("Dai/supply-overflow")
            }
            try maker.exitDai(from: caller, amount: rad)
            ledger.mint(daiToken, to: caller, amount: tokens)
            events.append(.daiExited(owner: caller, amount: amount))
        case .swap(let index, let tokenIn, let amountIn, let minimum, let destination):
            try routerSwap(
                pair: index, tokenIn: tokenIn, amountIn: amountIn, minimum: minimum,
                to: destination, caller: caller, block: block, events: &events)
        case .pairSwap(let index, let amount0Out, let amount1Out, let destination):
            let pairIndex = try checkedPair(index)
            let record = try pairs[pairIndex].swap(
                amount0Out: amount0Out, amount1Out: amount1Out, to: destination,
                ledger: &ledger, block: block)
            events.append(.swapped(record))
        case .addLiquidity(let index, let amount0, let amount1, let destination):
            let pairIndex = try checkedPair(index)
            let pair = pairs[pairIndex]
            try ledger.transfer(
                pair.token0, from: caller, to: pair.address, amount: try units(amount0))
            try ledger.transfer(
                pair.token1, from: caller, to: pair.address, amount: try units(amount1))
            let record = try pairs[pairIndex].mint(
                to: destination, feeTo: feeTo, ledger: &ledger, block: block)
            events.append(.minted(record))
        case .removeLiquidity(let index, let liquidity, let destination):
            let pairIndex = try checkedPair(index)
            let pair = pairs[pairIndex]
            try ledger.transfer(
                pair.liquidityToken, from: caller, to: pair.address, amount: try units(liquidity))
            let record = try pairs[pairIndex].burn(
                to: destination, feeTo: feeTo, ledger: &ledger, block: block)
            events.append(.burned(record))
        case .sync(let index):
            let pairIndex = try checkedPair(index)
            try pairs[pairIndex].sync(ledger: ledger, block: block)
            let pair = pairs[pairIndex]
            events.append(
                .synced(pool: pair.address, reserve0: pair.reserve0, reserve1: pair.reserve1))
        case .osmPoke(let index):
            guard osms.indices.contains(index) else { throw Revert("OSM/not-found") }
            let source = aggregators[osmSources[index]].latestRoundData?.answer
            var produced: [OSM.Event] = []
            try osms[index].apply(
                .poke(source: source), caller: caller, block: block, events: &produced)
            for event in produced { events.append(.osm(event)) }
        case .oracleTransmit(let index, let observations, let observationsTimestamp):
            guard aggregators.indices.contains(index) else { throw Revert("aggregator/not-found") }
            let update = try aggregators[index].transmit(
                observations: observations, observationsTimestamp: observationsTimestamp,
                caller: caller, block: block)
            events.append(.median(.oracleUpdated(update)))
        case .twapUpdate(let index):
            guard twaps.indices.contains(index) else {
                throw Revert("ExampleOracleSimple: NOT_FOUND")
            }
            let update = try twaps[index].update(pair: pairs[twapPairs[index]], block: block)
            events.append(.twapUpdated(update))
        case .postPrice(let index, let asset, let reported):
            guard anchoredViews.indices.contains(index) else { throw Revert("view/not-found") }
            guard anchors[index].indices.contains(asset) else {
                throw Revert("token config not found")
            }
            let anchor = anchors[index][asset]
            let anchorPrice = try twaps[anchor.twap].averagePriceWad(of: anchor.token)
            var produced: [AnchoredPriceView.Event] = []
            try anchoredViews[index].apply(
                .postPrice(asset: asset, reportedPrice: reported, anchorPrice: anchorPrice),
                caller: caller, block: block, events: &produced)
            for event in produced { events.append(.anchored(event)) }
        case .invalidateReporter(let index):
            guard anchoredViews.indices.contains(index) else { throw Revert("view/not-found") }
            var produced: [AnchoredPriceView.Event] = []
            try anchoredViews[index].apply(
                .invalidateReporter, caller: caller, block: block, events: &produced)
            for event in produced { events.append(.anchored(event)) }
        case .aave(let index, let call):
            if let g = guardIndex(.aave(pool: index)) {
                try performGuardedAave(
                    index, call, guard: g, caller: caller, block: block, events: &events)
            } else {
                try performAave(index, call, caller: caller, block: block, events: &events)
            }
        case .compound(let index, let call):
            if let g = guardIndex(.compound(comptroller: index)) {
                try performGuardedCompound(
                    index, call, guard: g, caller: caller, block: block, events: &events)
            } else {
                try performCompound(index, call, caller: caller, block: block, events: &events)
            }
        case .perp(let index, let call):
            if let g = guardIndex(.perp(exchange: index)) {
                try performGuardedPerp(
                    index, call, guard: g, caller: caller, block: block, events: &events)
            } else {
                try performPerp(index, call, caller: caller, block: block, events: &events)
            }
        case .governance(let call):
            try performGovernance(call, caller: caller, block: block, events: &events)
        case .options(let index, let call):
            try performOptions(index, call, caller: caller, block: block, events: &events)
        }
    }

    /// A Maker call, its events wrapped. The buffer is reused, so no allocation per call.
    mutating func applyMaker(
        _ call: MakerSystem.Call, caller: Address, block: BlockContext, events: inout [Event]
    ) throws(Revert) {
        makerEvents.removeAll(keepingCapacity: true)
        try maker.apply(call, caller: caller, block: block, events: &makerEvents)
        for event in makerEvents { events.append(.maker(event)) }
    }

    /// The router's one-hop exact-input swap: quote, transfer in, swap.
    mutating func routerSwap(
        pair index: Int, tokenIn: TokenID, amountIn: UInt256, minimum: UInt256, to: Address,
        caller: Address, block: BlockContext, events: inout [Event]
    ) throws(Revert) {
        let pairIndex = try checkedPair(index)
        let pair = pairs[pairIndex]
        let zeroForOne: Bool
        if tokenIn == pair.token0 {
            zeroForOne = true
        } else if tokenIn == pair.token1 {
            zeroForOne = false
        } else {
            throw Revert("UniswapV2Library: INVALID_PATH")
        }
        let amountOut = try UniswapV2Library.getAmountOut(
            amountIn: amountIn, reserveIn: zeroForOne ? pair.reserve0 : pair.reserve1,
            reserveOut: zeroForOne ? pair.reserve1 : pair.reserve0)
        guard amountOut >= minimum else {
            throw Revert("UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT")
        }
        try ledger.transfer(tokenIn, from: caller, to: pair.address, amount: try units(amountIn))
        let record = try pairs[pairIndex].swap(
            amount0Out: zeroForOne ? .zero : amountOut, amount1Out: zeroForOne ? amountOut : .zero,
            to: to, ledger: &ledger, block: block)
        events.append(.swapped(record))
    }

    // MARK: - Checks

    func requireToken(_ token: TokenID) throws(Revert) {
        guard Int(token.rawValue) < ledger.tokenCount else { throw Revert("Token/unknown-token") }
    }

    func checkedPair(_ index: Int) throws(Revert) -> Int {
        guard pairs.indices.contains(index) else { throw Revert("UniswapV2: PAIR_NOT_FOUND") }
        return index
    }

    func wiredCollateral(_ ilk: MakerSystem.IlkID) throws(Revert) -> Collateral {
        guard let collateral = collateral(of: ilk) else { throw Revert("GemJoin/not-wired") }
        return collateral
    }

    /// A token amount as ledger units; more than 2^128 − 1 is more than anyone holds.
    func units(_ amount: UInt256) throws(Revert) -> UInt128 {
        guard let units = amount.uint128Value else { throw Revert("Token/insufficient-balance") }
        return units
    }

    /// `wad · RAY`, the Vat's RAD for a DAI amount.
    func radOf(_ wad: UInt256) throws(Revert) -> UInt256 {
        let (rad, overflow) = wad.multipliedReportingOverflow(by: MakerSystem.ray)
        guard !overflow else { throw Revert("DaiJoin/overflow") }
        return rad
    }
}
