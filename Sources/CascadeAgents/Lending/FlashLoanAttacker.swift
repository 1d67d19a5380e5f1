import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// A flash-loan attacker: in one transaction it flash-borrows the quote asset of a lending
/// pool's pair, buys the pair's asset with it, supplies what it bought, borrows as much of
/// the quote asset as the pool then allows, and lets the pool pull the loan and its
/// premium when the transaction ends, keeping the rest — the 2020 pattern of attacks on
/// pools that priced a thin token from its own pair's spot price. Against a TWAP the
/// bought tokens are valued at the old average, the borrow cannot repay the loan, and the
/// bundle reverts whole (docs/model/lending.md, "Reserves priced from a pair").
///
/// **Information.** As a lending keeper: a block only after its own observation delay,
/// with the state after it and its own receipts; the market reference at its own time
/// for gas; no mempool.
///
/// **Decision** (each new block it sees, one bundle in flight at most). For each loan size
/// `F = cash · k / sizes`, `k = 1 … sizes` (`cash`: the pool's cash of the quote asset),
/// on a copy of the state it observed (`ProtocolState.dryRun`, the contracts are values):
/// 1. run the flash loan, the swap (of `F` for what the pair's `getAmountOut` pays) and
///    the supply of what it bought, and read the most the pool lets it borrow then
///    (`AavePool.accountData` at the prices the pool has just read: LTV × collateral −
///    debt, one base-currency unit less for `percentDiv`'s rounding, converted at the
///    quote's pool price and capped by the pool's cash); a borrow that cannot cover the
///    loan and premium the pool recorded would revert at settlement: the size is dropped;
/// 2. run the whole bundle with that borrow, settlement included: a revert drops the
///    size;
/// 3. its profit is its quote balance after the dry run minus before — the contracts'
///    arithmetic, never a formula of its own.
///
/// It sends the most profitable size when that profit, valued at the quote's reference
/// price, beats gas by `minimumProfit` USD. The bundle is `flashLoan`, `swap` (with what
/// it expects to buy as `amountOutMin`, so a pair moved against it by an earlier
/// transaction reverts it), `supply`, `borrow`; the pool settles the loan after the last
/// call.
///
/// **Randomness.** Its own stream: observation and propagation delays.
public final class FlashLoanAttacker: Agent {
    public let settings: FlashLoanAttackerSettings
    public var name: String { settings.name }
    let reader: LendingPoolReader
    /// The pair's index in `ProtocolState.pairs`, its traded asset and its quote asset
    /// (indices of the pool's reserves).
    public let pair: Int
    public let asset: Int
    public let quote: Int
    /// The market view's index of the quote asset's reference price.
    let quoteVenue: Int
    @exclusivity(unchecked) var view: MarketView
    @exclusivity(unchecked) var outbox: Outbox<FlashLoanBundle>
    @exclusivity(unchecked) var newest: NewestBlock
    @exclusivity(unchecked) public internal(set) var statistics = FlashLoanAttackerStatistics()

    init(
        settings: FlashLoanAttackerSettings, reader: LendingPoolReader, pair: Int, asset: Int,
        quote: Int, quoteVenue: Int, view: MarketView, producer: AgentID, initialBaseFee: Wei,
        samplers: LatencySamplers? = nil
    ) {
        precondition(reader.kind != .compound, "flash loans are Aave's")
        self.settings = settings
        self.reader = reader
        self.pair = pair
        self.asset = asset
        self.quote = quote
        self.quoteVenue = quoteVenue
        self.view = view
        newest = NewestBlock(initialBaseFee: initialBaseFee)
        outbox = Outbox(
            address: settings.address, producer: producer,
            propagation: samplers.sampler(settings.propagation))
    }

    public func start(_ context: Context<ProtocolMessage>) {
        context.subscribeToBlocks(from: outbox.producer, latency: settings.observation)
    }

    public func handle(_ message: ProtocolMessage, _ context: Context<ProtocolMessage>) {
        switch message {
        case .blockObserved(let report):
            observe(report, context)
        case .rejected(let rejection):
            _ = outbox.reject(rejection)
        case .custom(let payload):
            view.receive(payload)
        default:
            break
        }
    }

    func observe(_ report: BlockReport<ProtocolState>, _ context: Context<ProtocolMessage>) {
        statistics.blocksObserved += 1
        settle(report)
        guard newest.observe(report), outbox.isEmpty else { return }
        let block = BlockContext(
            number: report.header.number + 1,
            timestamp: UInt64(max(0, report.header.time.wholeSeconds)))
        guard let bid = newest.bid(settings.gas) else { return }
        guard let bundle = plan(report.state, block: block, bid: bid, now: context.now) else {
            statistics.unprofitable += 1
            return
        }
        statistics.sent += 1
        outbox.send(
            bundle.calls, gasLimit: Self.gasLimit(bundle.calls), bid: bid, purpose: bundle,
            context)
    }

    func settle(_ report: BlockReport<ProtocolState>) {
        for outcome in outbox.settle(report) {
            switch outcome {
            case .succeeded(let entry, let receipt):
                statistics.included += 1
                statistics.gasPaidWei += receipt.fee.paid
                statistics.flashVolume += entry.purpose.loan
                // What it kept, from the state the block left: it holds the quote asset
                // only through its bundles, so its balance is their sum.
                let token = reader.token(quote, report.state)
                statistics.profit = UInt256(
                    report.state.ledger.balance(of: token, settings.address))
            case .reverted(_, let receipt, let revert):
                statistics.reverted += 1
                statistics.gasPaidWei += receipt.fee.paid
                statistics.lastRevert = revert.reason
            case .dropped:
                statistics.dropped += 1
            }
        }
    }

    /// The gas limit of a bundle: the calls' gas and the intrinsic cost, with room.
    static func gasLimit(_ calls: [ProtocolState.Call]) -> Gas {
        calls.reduce(intrinsicGasPerTransaction + 40_000) { $0 + $1.gasCost }
    }

    /// The most profitable bundle on `state` at `block`, or nil when none beats gas by
    /// `minimumProfit` (see the type's "Decision").
    func plan(_ state: ProtocolState, block: BlockContext, bid: GasBid, now: SimTime)
        -> FlashLoanBundle?
    {
        guard let best = bestBundle(state, block: block) else { return nil }
        let unit = UInt256.powerOfTen(reader.decimals(quote, state)).approximateValue
        let profitUSD =
            best.profit.approximateValue / unit * view.reference(quoteVenue, at: now)
        let gasPrice = min(bid.feeCap, newest.nextBaseFee + bid.tipCap)
        let gasUSD =
            gasPrice.approximateValue * Double(Self.gasLimit(best.calls)) / 1e18
            * view.nativePrice(at: now, fallback: 0)
        return profitUSD - gasUSD > settings.minimumProfit ? best : nil
    }

    /// Over the loan sizes `cash · k / sizes`, the bundle that keeps the most of the quote
    /// asset in a dry run on `state` at `block`, before gas; nil when none keeps anything
    /// (every size reverts or keeps nothing). Ties go to the smaller loan.
    package func bestBundle(_ state: ProtocolState, block: BlockContext) -> FlashLoanBundle? {
        let quoteToken = reader.token(quote, state)
        let cash = state.ledger.balance(
            of: quoteToken, state.aavePools[reader.pool].reserves[quote].configuration.aToken)
        guard cash > 0 else { return nil }
        var best: FlashLoanBundle?
        for step in 1...settings.sizes {
            let loan = UInt256(cash) * UInt256(step) / UInt256(settings.sizes)
            guard let bundle = try? trial(loan: loan, state, block: block),
                bundle.profit > (best?.profit ?? .zero)
            else { continue }
            best = bundle
        }
        return best
    }

    /// The bundle with a flash loan of `loan` base units, dry-run on `state`; throws when
    /// a step reverts, and returns nil when it would keep nothing.
    func trial(loan: UInt256, _ state: ProtocolState, block: BlockContext) throws(Revert)
        -> FlashLoanBundle?
    {
        let address = settings.address
        let pool = reader.pool
        let quoteToken = reader.token(quote, state)
        // What the pair pays for the loan now (Uniswap's own `getAmountOut`): the swap's
        // minimum and the amount supplied.
        let reserves = state.pair(pair)
        let quoteFirst = reserves.token0 == quoteToken
        let bought = try UniswapV2Library.getAmountOut(
            amountIn: loan, reserveIn: quoteFirst ? reserves.reserve0 : reserves.reserve1,
            reserveOut: quoteFirst ? reserves.reserve1 : reserves.reserve0)
        guard !bought.isZero else { return nil }
        var calls: [ProtocolState.Call] = [
            .aave(pool: pool, .flashLoan(asset: quote, amount: loan)),
            .swap(
                pair: pair, tokenIn: quoteToken, amountIn: loan, amountOutMin: bought,
                to: address),
            .aave(pool: pool, .supply(asset: asset, amount: bought)),
        ]
        let supplied = try state.dryRun(calls, caller: address, block: block, settling: false)
        let borrow = maximumBorrow(supplied, at: block.timestamp)
        // The pool pulls the loan and its premium (as it recorded them) from what the
        // attacker holds when the transaction ends: a smaller borrow reverts it, so it is
        // not worth a dry run.
        guard let owed = supplied.aavePools[pool].pendingFlashLoans.last,
            borrow > owed.amount + owed.premium
        else { return nil }
        calls.append(.aave(pool: pool, .borrow(asset: quote, amount: borrow)))
        let after = try state.dryRun(calls, caller: address, block: block)
        let before = state.ledger.balance(of: quoteToken, address)
        let kept = after.ledger.balance(of: quoteToken, address)
        guard kept > before else { return nil }
        return FlashLoanBundle(calls: calls, loan: loan, profit: UInt256(kept - before))
    }

    /// The most of the quote asset the pool lets the attacker borrow in `state` (the
    /// prices it read in the last call): `validateBorrow`'s
    /// `(debt + amount).percentDiv(ltv) ≤ collateral`, with one base-currency unit of room
    /// for `percentDiv`'s rounding half up, and no more than the reserve's cash.
    func maximumBorrow(_ state: ProtocolState, at timestamp: UInt64) -> UInt256 {
        let aave = state.aavePools[reader.pool]
        let account = aave.accountData(of: settings.address, at: timestamp)
        let room = account.totalCollateralBase * account.ltvBps / 10_000
        guard room > account.totalDebtBase + .one else { return .zero }
        let reserve = aave.reserves[quote]
        guard !reserve.price.isZero else { return .zero }
        let amount =
            (room - account.totalDebtBase - .one)
            * UInt256.powerOfTen(reserve.configuration.decimals) / reserve.price
        let cash = UInt256(
            state.ledger.balance(of: reserve.configuration.token, reserve.configuration.aToken))
        return min(amount, cash)
    }
}

/// One flash-loan bundle: its calls, the loan, and the quote it kept in the dry run.
package struct FlashLoanBundle: Sendable {
    package var calls: [ProtocolState.Call]
    /// Base units of the quote asset flash-borrowed.
    package var loan: UInt256
    /// Base units of the quote asset the dry run left it (borrowed − loan − premium).
    package var profit: UInt256
}
