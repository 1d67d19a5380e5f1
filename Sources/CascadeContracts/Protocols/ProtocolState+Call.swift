import CascadeCore

extension ProtocolState {
    /// Every request a transaction can make, across protocols. Pairs, oracles and views are
    /// named by the index their `add…` method returned.
    ///
    /// Gas costs (`gasCost`) are per call, net of the 21,000 intrinsic gas the chain adds
    /// per transaction, and roughly what the mainnet functions use; the table is in
    /// `docs/model/protocol-state.md`.
    public enum Call: GasMetered, Hashable, Sendable {
        /// An ERC-20 (or native ETH) transfer by the caller.
        case transfer(TokenID, to: Address, amount: UInt128)
        /// A Maker call as the caller. `.poke` is refused (`Spotter/use-spotter-poke`):
        /// the Spotter's price comes from the OSM, through `.spotterPoke`.
        case maker(MakerSystem.Call)
        /// Spotter `poke(ilk)`: reads the ilk's OSM (`pip.peek()`) and sets `spot`.
        case spotterPoke(ilk: MakerSystem.IlkID)
        /// GemJoin `join`: `amount` WAD of the ilk's ERC-20 from the caller into the Vat as
        /// the caller's `gem`.
        case joinGem(ilk: MakerSystem.IlkID, amount: UInt256)
        /// GemJoin `exit`: `amount` WAD of the caller's `gem` out to its ERC-20 balance.
        case exitGem(ilk: MakerSystem.IlkID, amount: UInt256)
        /// DaiJoin `join`: burns `amount` (WAD) of the caller's ERC-20 DAI and credits
        /// `amount · RAY` RAD of Vat DAI.
        case joinDai(amount: UInt256)
        /// DaiJoin `exit`: `amount · RAY` RAD of the caller's Vat DAI out as ERC-20 DAI.
        case exitDai(amount: UInt256)
        /// Router `swapExactTokensForTokens`, one hop: pays exactly `amountIn` of
        /// `tokenIn`, sends at least `amountOutMin` of the other token to `to`.
        case swap(
            pair: Int, tokenIn: TokenID, amountIn: UInt256, amountOutMin: UInt256, to: Address)
        /// The pair's own `swap`: the input must already be in the pair (after `.transfer`).
        case pairSwap(pair: Int, amount0Out: UInt256, amount1Out: UInt256, to: Address)
        /// Transfers exactly these amounts to the pair and mints LP shares to `to`.
        case addLiquidity(pair: Int, amount0: UInt256, amount1: UInt256, to: Address)
        /// Sends `liquidity` LP shares to the pair and burns them, paying `to`.
        case removeLiquidity(pair: Int, liquidity: UInt256, to: Address)
        /// The pair's `sync`.
        case sync(pair: Int)
        /// OSM `poke`: reads the OSM's source aggregator (its latest answer).
        case osmPoke(osm: Int)
        /// A median aggregator's report (observations sorted ascending).
        case oracleTransmit(
            aggregator: Int, observations: [UInt256], observationsTimestamp: UInt64)
        /// TWAP `update`: reads its pair.
        case twapUpdate(twap: Int)
        /// An anchored view's `postPrice`: the anchor is read from the asset's TWAP oracle.
        case postPrice(view: Int, asset: Int, reportedPrice: UInt256)
        /// An anchored view's `invalidateReporter`.
        case invalidateReporter(view: Int)
        /// A call to Aave-style pool `pool` (supply, borrow, `liquidationCall`, ...).
        case aave(pool: Int, AavePool.Call)
        /// A call to Compound-style comptroller `comptroller` and its markets.
        case compound(comptroller: Int, CompoundComptroller.Call)
        /// A call to perpetuals exchange `exchange`; deposits, withdrawals and insurance
        /// top-ups move the exchange's USDC between the caller and its custody address.
        case perp(exchange: Int, PerpExchange.Call)
        /// The governance timelock: propose a parameter change, or execute one whose delay
        /// has passed.
        case governance(Governance.Call)
        /// A call to options exchange `exchange`; deposits, withdrawals and insurance
        /// top-ups move its stablecoin between the caller and its custody address.
        case options(exchange: Int, OptionsExchange.Call)

        /// Gas of this call, net of the intrinsic 21,000.
        public var gasCost: UInt64 {
            switch self {
            case .transfer: 30_000
            case .maker(let call): Self.gasCost(of: call)
            case .spotterPoke: 60_000
            case .joinGem, .exitGem, .joinDai, .exitDai: 50_000
            case .swap: 110_000
            case .pairSwap: 70_000
            case .addLiquidity: 150_000
            case .removeLiquidity: 130_000
            case .sync: 40_000
            case .osmPoke: 70_000
            case .oracleTransmit(_, let observations, _):
                150_000 + 5_000 * UInt64(observations.count)
            case .twapUpdate: 60_000
            case .postPrice: 80_000
            case .invalidateReporter: 40_000
            case .aave(_, let call): Self.gasCost(of: call)
            case .compound(_, let call): Self.gasCost(of: call)
            case .perp(_, let call): Self.gasCost(of: call)
            case .governance(.propose): 120_000
            case .governance(.execute): 80_000
            case .options(_, let call): Self.gasCost(of: call)
            }
        }

        /// Roughly mainnet's: a `liquidationCall` reads every reserve of the account.
        static func gasCost(of call: AavePool.Call) -> UInt64 {
            switch call {
            case .supply, .repay: 150_000
            case .withdraw, .borrow: 250_000
            case .liquidationCall: 330_000
            case .setAssetPrice: 40_000
            case .flashLoan: 120_000
            }
        }

        /// Roughly mainnet's (cToken calls go through the comptroller's checks).
        static func gasCost(of call: CompoundComptroller.Call) -> UInt64 {
            switch call {
            case .enterMarkets(let markets): 60_000 + 20_000 * UInt64(markets.count)
            case .mint, .repayBorrow: 150_000
            case .redeem, .redeemUnderlying, .borrow: 250_000
            case .liquidateBorrow: 400_000
            case .accrueInterest: 50_000
            case .oracle: 80_000
            }
        }

        /// An app-chain's costs, in the same units (perps run on their own sequencer).
        static func gasCost(of call: PerpExchange.Call) -> UInt64 {
            switch call {
            case .openAccount, .setVolatility, .updatePrice, .settleFunding: 40_000
            case .deposit, .withdraw, .fundInsurance: 80_000
            case .trade, .fund: 100_000
            case .liquidate: 200_000
            case .backstop: 250_000
            case .deleverage: 400_000
            }
        }

        /// An app-chain's costs, like the perpetuals'; marking and settling grow with the
        /// series and accounts they touch, which the flat figures ignore.
        static func gasCost(of call: OptionsExchange.Call) -> UInt64 {
            switch call {
            case .openAccount: 40_000
            case .deposit, .withdraw, .fundInsurance: 80_000
            case .updatePrice: 120_000
            case .trade: 150_000
            case .liquidate: 300_000
            case .settle: 400_000
            }
        }

        static func gasCost(of call: MakerSystem.Call) -> UInt64 {
            switch call {
            case .frob: 120_000
            case .move, .flux: 35_000
            case .poke: 60_000
            case .drip: 60_000
            case .flog: 40_000
            case .heal: 40_000
            case .bite: 200_000
            case .bark: 250_000
            case .tend, .dent: 100_000
            case .deal: 80_000
            case .tick: 40_000
            case .yank: 80_000
            case .take: 150_000
            case .settleTake: 40_000
            case .redo: 150_000
            case .upchost, .setStopped: 40_000
            }
        }

        /// Whether this call, alone in a transaction, needs a journal to be undone: it
        /// writes to two contracts (a router swap, a join), or may be reverted after it
        /// succeeded (a flash take, by the end-of-transaction settlement check).
        var needsJournalAlone: Bool {
            switch self {
            // Lending and perpetuals calls check every balance they move before their first
            // write (the exchange restores itself on a revert), so alone they need nothing.
            case .transfer, .spotterPoke, .sync, .osmPoke, .oracleTransmit, .twapUpdate,
                .postPrice, .invalidateReporter, .compound, .perp, .governance, .options:
                false
            // A flash loan alone is still repaid (or not) when the transaction ends.
            case .aave(_, let call):
                if case .flashLoan = call { true } else { false }
            case .maker(let call):
                if case .take(_, _, _, _, let flash) = call { flash } else { false }
            case .joinGem, .exitGem, .joinDai, .exitDai, .swap, .pairSwap, .addLiquidity,
                .removeLiquidity:
                true
            }
        }
    }

    /// What happened, with the sub-contract's own event where there is one.
    public enum Event: Hashable, Sendable {
        case transferred(TokenID, from: Address, to: Address, amount: UInt256)
        case maker(MakerSystem.Event)
        case gemJoined(ilk: MakerSystem.IlkID, owner: Address, amount: UInt256)
        case gemExited(ilk: MakerSystem.IlkID, owner: Address, amount: UInt256)
        case daiJoined(owner: Address, amount: UInt256)
        case daiExited(owner: Address, amount: UInt256)
        case swapped(UniswapV2Swap)
        case minted(UniswapV2Mint)
        case burned(UniswapV2Burn)
        case synced(pool: Address, reserve0: UInt256, reserve1: UInt256)
        case osm(OSM.Event)
        case median(MedianAggregator.Event)
        /// A TWAP oracle's window closed (`kind` `.twap`).
        case twapUpdated(OracleUpdate)
        case anchored(AnchoredPriceView.Event)
        case aave(pool: Int, AavePool.Event)
        case compound(comptroller: Int, CompoundComptroller.Event)
        case perp(exchange: Int, PerpExchange.Event)
        /// A circuit breaker's trip or resume, or a liquidation-fee design's penalty.
        case guarded(ProtocolGuard.Event)
        case governance(Governance.Event)
        case options(exchange: Int, OptionsExchange.Event)
    }
}
