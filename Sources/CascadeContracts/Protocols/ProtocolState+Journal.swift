import CascadeCore

// Rollback by journal. Before a call of a journaled transaction runs, the state saves the
// current value of every storage cell the call may write (its footprint): a few ledger
// balances, a few Maker map entries, one pair or oracle. A revert restores the saved
// values newest first, so a cell saved twice ends at its oldest value — the one before
// the transaction. Saving and restoring touch only those cells: O(footprint), never
// O(state), and the state is never copied, so copy-on-write never duplicates a collection.
//
// Footprints over-approximate (saving a cell that is not written costs a little and is
// harmless); under-approximating would be a bug, which the property tests look for by
// comparing the whole state with the state before every reverted transaction.

extension ProtocolState {
    /// The running transaction's undo log. Its arrays keep their capacity between
    /// transactions, so journaling allocates nothing in steady state.
    struct Journal: Sendable {
        var inTransaction = false
        var isRecording = false
        var ledger: [LedgerCell] = []
        var maker: [MakerCell] = []
        var components: [ComponentCell] = []

        mutating func clear() {
            inTransaction = false
            isRecording = false
            // Most transactions leave one or two of them empty: emptying an empty array
            // still asks whether its buffer is unique.
            if !ledger.isEmpty { ledger.removeAll(keepingCapacity: true) }
            if !maker.isEmpty { maker.removeAll(keepingCapacity: true) }
            if !components.isEmpty { components.removeAll(keepingCapacity: true) }
        }

        var isEmpty: Bool { ledger.isEmpty && maker.isEmpty && components.isEmpty }
    }

    struct LedgerCell: Sendable {
        var token: TokenID
        var owner: Address
        var balance: UInt128
    }

    /// One saved piece of the Maker system.
    enum MakerCell: Sendable {
        case totals(MakerTotals)
        case ilk(Int, MakerSystem.Ilk)
        case urn(MakerSystem.IlkAccount, MakerSystem.Urn?)
        case gem(MakerSystem.IlkAccount, UInt256?)
        case dai(Address, UInt256?)
        case sin(Address, UInt256?)
        case sinQueue(UInt64, UInt256?)
        case auctionCount(Int)
        case auction(Int, MakerSystem.Auction?)
    }

    /// The Maker system's scalar books, saved together (cheap, and most calls write some).
    struct MakerTotals: Sendable {
        var debt: UInt256
        var vice: UInt256
        var litter: UInt256
        var globalDirt: UInt256
        var queuedSin: UInt256
        var pendingTake: MakerSystem.PendingTake?
    }

    /// A saved small component: a pair or an oracle, whole.
    enum ComponentCell: Sendable {
        case pair(Int, UniswapV2Pair)
        case osm(Int, OSM)
        /// The whole aggregator: its rounds array is shared, so the append that follows
        /// copies it once (O(rounds)) — only for a transmit inside a bundle.
        case aggregator(Int, MedianAggregator)
        case twap(Int, UniswapV2TWAPOracle)
        case anchoredView(Int, AnchoredPriceView)
        case aavePool(Int, AavePool)
        case compoundComptroller(Int, CompoundComptroller)
        case perpExchange(Int, PerpExchange)
        /// One market's mark, before an oracle's `updatePrice` (its only write): saving the
        /// whole exchange made each of a bundle's updates copy every market.
        case perpMark(exchange: Int, market: Int, price: Int128)
        case guards([ProtocolGuard])
        case governance(Governance?)
        case parameters([AavePool], [CompoundComptroller], [PerpExchange])
        case optionsExchange(Int, OptionsExchange)
    }

    // MARK: - Recording

    mutating func saveBalance(_ token: TokenID, _ owner: Address) {
        journal.ledger.append(
            LedgerCell(token: token, owner: owner, balance: ledger.balance(of: token, owner)))
    }

    /// Saves the footprint of `call` by `caller`.
    mutating func recordFootprint(of call: Call, caller: Address, block: BlockContext) {
        switch call {
        case .transfer(let token, let destination, _):
            guard Int(token.rawValue) < ledger.tokenCount else { return }
            saveBalance(token, caller)
            saveBalance(token, destination)
        case .maker(let makerCall):
            recordMaker(makerCall, caller: caller, now: block.timestamp)
            if !guards.isEmpty { journal.components.append(.guards(guards)) }
        case .spotterPoke(let ilk):
            saveIlk(ilk)
            if !guards.isEmpty { journal.components.append(.guards(guards)) }
        case .joinGem(let ilk, _), .exitGem(let ilk, _):
            guard let collateral = collateral(of: ilk) else { return }
            saveBalance(collateral.token, caller)
            saveBalance(collateral.token, collateral.join)
            saveIlk(ilk)
            saveGem(ilk, caller)
        case .joinDai, .exitDai:
            saveBalance(daiToken, caller)
            saveTotals()
            saveDai(caller)
            saveDai(.zero)
            journal.maker.append(.sin(.zero, maker.sinBalances[.zero]))
        case .swap(let index, _, _, _, let destination),
            .pairSwap(let index, _, _, let destination):
            guard pairs.indices.contains(index) else { return }
            let pair = pairs[index]
            journal.components.append(.pair(index, pair))
            for token in [pair.token0, pair.token1] {
                saveBalance(token, caller)
                saveBalance(token, pair.address)
                saveBalance(token, destination)
            }
        case .addLiquidity(let index, _, _, let destination),
            .removeLiquidity(let index, _, let destination):
            guard pairs.indices.contains(index) else { return }
            let pair = pairs[index]
            journal.components.append(.pair(index, pair))
            for token in [pair.token0, pair.token1, pair.liquidityToken] {
                saveBalance(token, caller)
                saveBalance(token, pair.address)
                saveBalance(token, destination)
                saveBalance(token, .zero)
                if let feeTo { saveBalance(token, feeTo) }
            }
        case .sync(let index):
            guard pairs.indices.contains(index) else { return }
            journal.components.append(.pair(index, pairs[index]))
        case .osmPoke(let index):
            guard osms.indices.contains(index) else { return }
            journal.components.append(.osm(index, osms[index]))
        case .oracleTransmit(let index, _, _):
            guard aggregators.indices.contains(index) else { return }
            journal.components.append(.aggregator(index, aggregators[index]))
        case .twapUpdate(let index):
            guard twaps.indices.contains(index) else { return }
            journal.components.append(.twap(index, twaps[index]))
        case .postPrice(let index, _, _), .invalidateReporter(let index):
            guard anchoredViews.indices.contains(index) else { return }
            journal.components.append(.anchoredView(index, anchoredViews[index]))
        case .aave, .compound, .perp, .options:
            recordLendingFootprint(of: call, caller: caller)
            if !guards.isEmpty { journal.components.append(.guards(guards)) }
        case .governance:
            // An execution may write any guarded protocol's parameters: save them whole.
            journal.components.append(.governance(governance))
            journal.components.append(.guards(guards))
            journal.components.append(.parameters(aavePools, compoundComptrollers, perpExchanges))
            saveTotals()
            for ilk in maker.ilks.indices { journal.maker.append(.ilk(ilk, maker.ilks[ilk])) }
        }
    }

    /// Saves what a Maker call may write: always the scalar books, then the entries of the
    /// ilk, vaults, balances and auction it names or implies.
    mutating func recordMaker(_ call: MakerSystem.Call, caller: Address, now: UInt64) {
        saveTotals()
        let vow = maker.configuration.vow
        switch call {
        case .frob(let ilk, _, _):
            saveIlk(ilk)
            saveUrn(ilk, caller)
            saveGem(ilk, caller)
            saveDai(caller)
        case .move(let destination, _):
            saveDai(caller)
            saveDai(destination)
        case .flux(let ilk, let destination, _):
            saveGem(ilk, caller)
            saveGem(ilk, destination)
        case .poke(let ilk, _), .upchost(let ilk), .setStopped(let ilk, _):
            saveIlk(ilk)
        case .drip(let ilk):
            saveIlk(ilk)
            saveDai(vow)
        case .flog(let era):
            journal.maker.append(.sinQueue(era, maker.sinQueue[era]))
        case .heal:
            saveDai(vow)
            saveSin(vow)
        case .bite(let ilk, let vault), .bark(let ilk, let vault, _):
            guard Int(ilk.rawValue) < maker.ilks.count else { return }
            saveIlk(ilk)
            saveUrn(ilk, vault)
            saveGem(ilk, maker.ilks[Int(ilk.rawValue)].liquidation.auctionHouse)
            saveSin(vow)
            journal.maker.append(.sinQueue(now, maker.sinQueue[now]))
            journal.maker.append(.auctionCount(maker.auctionSlots.count))
            if case .bark(_, _, let keeper) = call { saveDai(keeper) }
        case .tend(let id, _, _), .dent(let id, _, _), .deal(let id), .tick(let id),
            .yank(let id), .take(let id, _, _, _, _), .redo(let id, _):
            recordAuction(id, call: call, caller: caller)
        case .settleTake:
            saveDai(caller)
            saveDai(vow)
        }
    }

    /// Saves an auction's slot and every balance an auction call may move: the caller's,
    /// the Vow's, the bidder's, the vault owner's, the recipient's and the house's.
    mutating func recordAuction(
        _ id: MakerSystem.AuctionID, call: MakerSystem.Call, caller: Address
    ) {
        let slot = Int(id.rawValue) - 1
        guard slot >= 0, slot < maker.auctionSlots.count, let live = maker.auctionSlots[slot]
        else { return }
        journal.maker.append(.auction(slot, live))
        let ilk = live.ilk
        saveIlk(ilk)
        saveGem(ilk, maker.ilks[Int(ilk.rawValue)].liquidation.auctionHouse)
        saveGem(ilk, caller)
        saveDai(caller)
        saveDai(maker.configuration.vow)
        saveSin(maker.configuration.vow)
        switch live {
        case .flip(let auction):
            saveDai(auction.guy)
            saveDai(auction.gal)
            saveGem(ilk, auction.guy)
            saveGem(ilk, auction.usr)
        case .clip(let auction):
            saveGem(ilk, auction.usr)
        }
        switch call {
        case .take(_, _, _, let who, _): saveGem(ilk, who)
        case .redo(_, let keeper): saveDai(keeper)
        default: break
        }
    }

    mutating func saveTotals() {
        journal.maker.append(
            .totals(
                MakerTotals(
                    debt: maker.debt, vice: maker.vice, litter: maker.litter,
                    globalDirt: maker.globalDirt, queuedSin: maker.queuedSin,
                    pendingTake: maker.pendingTake)))
    }

    mutating func saveIlk(_ ilk: MakerSystem.IlkID) {
        let index = Int(ilk.rawValue)
        guard index < maker.ilks.count else { return }
        journal.maker.append(.ilk(index, maker.ilks[index]))
    }

    mutating func saveUrn(_ ilk: MakerSystem.IlkID, _ owner: Address) {
        let key = MakerSystem.IlkAccount(ilk: ilk, owner: owner)
        journal.maker.append(.urn(key, maker.urns[key]))
    }

    mutating func saveGem(_ ilk: MakerSystem.IlkID, _ owner: Address) {
        let key = MakerSystem.IlkAccount(ilk: ilk, owner: owner)
        journal.maker.append(.gem(key, maker.gems[key]))
    }

    mutating func saveDai(_ owner: Address) {
        journal.maker.append(.dai(owner, maker.daiBalances[owner]))
    }

    mutating func saveSin(_ owner: Address) {
        journal.maker.append(.sin(owner, maker.sinBalances[owner]))
    }

    // MARK: - Undoing

    /// Restores every saved cell, newest first, then forgets them.
    mutating func undoJournal() {
        while let cell = journal.components.popLast() {
            switch cell {
            case .pair(let index, let pair): pairs[index] = pair
            case .osm(let index, let osm): osms[index] = osm
            case .aggregator(let index, let aggregator): aggregators[index] = aggregator
            case .twap(let index, let oracle): twaps[index] = oracle
            case .anchoredView(let index, let view): anchoredViews[index] = view
            case .aavePool(let index, let pool): aavePools[index] = pool
            case .compoundComptroller(let index, let comptroller):
                compoundComptrollers[index] = comptroller
            case .perpExchange(let index, let exchange): perpExchanges[index] = exchange
            case .perpMark(let index, let market, let price):
                perpExchanges[index].markets[market].price = price
            case .guards(let saved): guards = saved
            case .governance(let saved): governance = saved
            case .parameters(let pools, let comptrollers, let exchanges):
                aavePools = pools
                compoundComptrollers = comptrollers
                perpExchanges = exchanges
            case .optionsExchange(let index, let exchange): optionsExchanges[index] = exchange
            }
        }
        while let cell = journal.maker.popLast() {
            switch cell {
            case .totals(let totals):
                maker.debt = totals.debt
                maker.vice = totals.vice
                maker.litter = totals.litter
                maker.globalDirt = totals.globalDirt
                maker.queuedSin = totals.queuedSin
                maker.pendingTake = totals.pendingTake
            case .ilk(let index, let ilk): maker.ilks[index] = ilk
            case .urn(let key, let urn): maker.urns[key] = urn
            case .gem(let key, let amount): maker.gems[key] = amount
            case .dai(let owner, let amount): maker.daiBalances[owner] = amount
            case .sin(let owner, let amount): maker.sinBalances[owner] = amount
            case .sinQueue(let era, let amount): maker.sinQueue[era] = amount
            case .auctionCount(let count):
                maker.auctionSlots.removeLast(maker.auctionSlots.count - count)
                maker.auctionRevisions.truncate(to: count)
            case .auction(let slot, let auction):
                maker.auctionSlots[slot] = auction
                maker.auctionRevisions.write(slot)
            }
        }
        while let cell = journal.ledger.popLast() {
            restoreBalance(cell)
        }
    }

    /// Sets a balance back by minting or burning the difference, which also moves the
    /// token's supply back: once every touched balance is restored, supply is too.
    mutating func restoreBalance(_ cell: LedgerCell) {
        let current = ledger.balance(of: cell.token, cell.owner)
        if current > cell.balance {
            do {
                try ledger.burn(cell.token, from: cell.owner, amount: current - cell.balance)
            } catch {
                preconditionFailure("burning part of a held balance failed: \(error)")
            }
        } else if current < cell.balance {
            ledger.mint(cell.token, to: cell.owner, amount: cell.balance - current)
        }
    }
}
