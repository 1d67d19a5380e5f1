import CascadeCore

/// The world's whole on-chain state as one value: the token ledger (native ETH, DAI, WETH,
/// LP shares …), the Maker system, Uniswap v2 pairs and the oracles, wired together.
///
/// Why one value: the chain runs a transaction's calls atomically against one state, and a
/// bundle crosses protocols (take collateral from the Clipper, sell it on a pair, pay the
/// Vow). Contracts hold no references to one another; this value does the reads that the
/// real contracts do across addresses, so no caller can choose them:
///
/// - the Spotter's `poke` reads its ilk's OSM (`pip.peek()`), never a caller's price;
/// - an OSM's `poke` reads its source, a median aggregator's latest answer;
/// - a TWAP oracle's `update` reads its pair;
/// - an anchored view's anchor is its TWAP oracle's average;
/// - a perpetuals exchange's deposits and withdrawals move its USDC in the ledger.
///
/// ```swift
/// var state = ProtocolState(ledger: ledger, maker: maker, dai: dai, daiJoin: daiJoinAddress)
/// let median = state.addAggregator(MedianAggregator(address: m, quorum: 1, ...))
/// let osm = state.addOSM(OSM(address: o, wards: [gov]), source: median)
/// state.addCollateral(ilk: ethA, token: weth, join: ethJoin, osm: osm)
/// let pool = state.addPair(weth, dai, address: pairAddress)
/// state.depositCollateral(ilk: ethA, owner: alice, amount: 10 * .wad)
/// ```
///
/// **Atomicity.** `isolation` is `.inPlace`: the chain applies calls to this value
/// directly. A transaction of one self-contained call (a `take`, a `transfer`, an oracle
/// update) needs nothing saved, because every contract validates before its first write.
/// Otherwise — a bundle, a call spanning two contracts (a router swap, a join), or a flash
/// `take` that the end-of-transaction check may still revert — each call first saves the
/// few values it may overwrite (its footprint) in a journal, and a revert restores them in
/// reverse order. Saving and restoring are O(values touched), never O(state). See
/// `docs/model/protocol-state.md`.
///
/// Equality compares the whole on-chain state (every component); the journal and scratch
/// buffers are not state and are ignored.
public struct ProtocolState: LedgerState, Hashable, Sendable {
    /// A collateral type's wiring: its ERC-20, its GemJoin adapter and its OSM.
    public struct Collateral: Hashable, Sendable {
        public let ilk: MakerSystem.IlkID
        /// The ERC-20 token (18 decimals, so a token unit is a WAD of `gem`).
        public let token: TokenID
        /// The GemJoin adapter: holds the ERC-20 backing every unit of `gem` and `ink`.
        public let join: Address
        /// Index of the OSM the Spotter reads for this ilk.
        public let osm: Int
    }

    /// Where an anchored view's anchor for one asset comes from: a TWAP oracle and the
    /// token whose average price (in the pair's other token, WAD) is the anchor.
    public struct Anchor: Hashable, Sendable {
        public let twap: Int
        public let token: TokenID

        public init(twap: Int, token: TokenID) {
            self.twap = twap
            self.token = token
        }
    }

    public var ledger: TokenLedger
    /// The Maker system. Mutate it directly only while wiring a world (ilks, parameters);
    /// enter collateral with `depositCollateral` so the GemJoin backing stays exact.
    public var maker: MakerSystem
    /// The ERC-20 DAI token and the DaiJoin adapter's address.
    public let daiToken: TokenID
    public let daiJoin: Address
    /// Wiring of each ilk, by `IlkID.rawValue` (nil for an ilk with no ERC-20 side).
    public private(set) var collaterals: [Collateral?] = []
    public internal(set) var pairs: [UniswapV2Pair] = []
    /// The factory's protocol-fee recipient; nil switches the fee off.
    public var feeTo: Address?
    public internal(set) var aggregators: [MedianAggregator] = []
    public internal(set) var osms: [OSM] = []
    /// The aggregator each OSM reads, by OSM index.
    public private(set) var osmSources: [Int] = []
    public internal(set) var twaps: [UniswapV2TWAPOracle] = []
    /// The pair each TWAP oracle reads, by TWAP index.
    public private(set) var twapPairs: [Int] = []
    public internal(set) var anchoredViews: [AnchoredPriceView] = []
    /// Each view's anchors, by view index then asset index.
    public private(set) var anchors: [[Anchor]] = []
    /// Aave-style lending pools (`addAavePool`).
    public internal(set) var aavePools: [AavePool] = []
    /// Compound-style comptrollers with their markets (`addCompoundComptroller`).
    public internal(set) var compoundComptrollers: [CompoundComptroller] = []
    /// Perpetuals exchanges (`addPerpExchange`), and where each keeps its USDC.
    public internal(set) var perpExchanges: [PerpExchange] = []
    public internal(set) var perpWirings: [PerpWiring] = []
    /// Options exchanges (`addOptionsExchange`), and where each keeps its stablecoin.
    public internal(set) var optionsExchanges: [OptionsExchange] = []
    public internal(set) var optionsWirings: [PerpWiring] = []
    /// Aave reserves priced from a Uniswap v2 pair (`addDexPriceFeed`), read at each call.
    public internal(set) var dexPriceFeeds: [DexPriceFeed] = []
    /// Circuit breakers and liquidation-fee designs around protocols (`addGuard`).
    public internal(set) var guards: [ProtocolGuard] = []
    /// The governance timelock, if the world has one (`setGovernance`).
    public internal(set) var governance: Governance?

    /// Undo information of the running transaction; empty between transactions.
    var journal = Journal()
    /// Reused buffers for the Maker's and a perpetuals exchange's events of one call.
    var makerEvents: [MakerSystem.Event] = []
    var perpEvents: [PerpExchange.Event] = []

    public static var isolation: TransactionIsolation { .inPlace }

    /// A state holding `ledger` (with the DAI token registered) and `maker`.
    public init(ledger: TokenLedger, maker: MakerSystem, dai: TokenID, daiJoin: Address) {
        precondition(Int(dai.rawValue) < ledger.tokenCount, "DAI is not in the ledger")
        self.ledger = ledger
        self.maker = maker
        daiToken = dai
        self.daiJoin = daiJoin
    }

    // MARK: - Wiring (world setup)

    /// Wires `ilk` to its ERC-20, GemJoin adapter and OSM.
    public mutating func addCollateral(
        ilk: MakerSystem.IlkID, token: TokenID, join: Address, osm: Int
    ) {
        precondition(Int(ilk.rawValue) < maker.ilks.count, "unknown ilk")
        precondition(osms.indices.contains(osm), "unknown OSM")
        let index = Int(ilk.rawValue)
        if collaterals.count <= index {
            collaterals.append(contentsOf: repeatElement(nil, count: index + 1 - collaterals.count))
        }
        collaterals[index] = Collateral(ilk: ilk, token: token, join: join, osm: osm)
    }

    /// Creates a pair at `address` (tokens sorted by id, as the factory sorts addresses),
    /// registering its LP token in the ledger; returns the pair's index.
    public mutating func addPair(_ tokenA: TokenID, _ tokenB: TokenID, address: Address) -> Int {
        precondition(tokenA != tokenB, "UniswapV2: IDENTICAL_ADDRESSES")
        let (token0, token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA)
        precondition(
            !pairs.contains { $0.token0 == token0 && $0.token1 == token1 },
            "UniswapV2: PAIR_EXISTS")
        let symbol = "UNI-V2 \(ledger.symbol(of: token0))/\(ledger.symbol(of: token1))"
        let liquidityToken = ledger.addToken(symbol: symbol)
        pairs.append(
            UniswapV2Pair(
                address: address, token0: token0, token1: token1, liquidityToken: liquidityToken))
        return pairs.count - 1
    }

    /// Adds a median aggregator; returns its index.
    public mutating func addAggregator(_ aggregator: MedianAggregator) -> Int {
        aggregators.append(aggregator)
        return aggregators.count - 1
    }

    /// Adds an OSM reading aggregator `source`; returns its index.
    public mutating func addOSM(_ osm: OSM, source: Int) -> Int {
        precondition(aggregators.indices.contains(source), "unknown aggregator")
        osms.append(osm)
        osmSources.append(source)
        return osms.count - 1
    }

    /// Adds a TWAP oracle over pair `pair`, starting its window now; returns its index.
    /// Reverts `ExampleOracleSimple: NO_RESERVES` for an empty pair.
    public mutating func addTWAP(address: Address, pair: Int, periodSeconds: UInt32)
        throws(Revert) -> Int
    {
        precondition(pairs.indices.contains(pair), "unknown pair")
        let oracle = try UniswapV2TWAPOracle(
            address: address, pair: pairs[pair], periodSeconds: periodSeconds)
        twaps.append(oracle)
        twapPairs.append(pair)
        return twaps.count - 1
    }

    /// Adds an anchored view whose asset `i` is anchored by `anchors[i]`; returns its index.
    public mutating func addAnchoredView(_ view: AnchoredPriceView, anchors: [Anchor]) -> Int {
        precondition(view.prices.count == anchors.count, "one anchor per asset")
        for anchor in anchors {
            precondition(twaps.indices.contains(anchor.twap), "unknown TWAP")
            let oracle = twaps[anchor.twap]
            precondition(anchor.token == oracle.token0 || anchor.token == oracle.token1)
        }
        anchoredViews.append(view)
        self.anchors.append(anchors)
        return anchoredViews.count - 1
    }

    /// Gives `owner` `amount` WAD of free collateral of `ilk` in the Vat, backed by newly
    /// minted ERC-20 held by the GemJoin adapter (as if `owner` had joined it).
    public mutating func depositCollateral(
        ilk: MakerSystem.IlkID, owner: Address, amount: UInt256
    ) {
        guard let collateral = collateral(of: ilk) else {
            preconditionFailure("ilk \(ilk) has no ERC-20 wiring")
        }
        ledger.mint(collateral.token, to: collateral.join, amount: amount.toUInt128())
        maker.joinGem(ilk: ilk, owner: owner, amount: amount)
    }

    // MARK: - Reading

    /// The wiring of `ilk`, if it has an ERC-20 side.
    public func collateral(of ilk: MakerSystem.IlkID) -> Collateral? {
        let index = Int(ilk.rawValue)
        return index < collaterals.count ? collaterals[index] : nil
    }

    /// The pair with index `index`.
    public func pair(_ index: Int) -> UniswapV2Pair {
        pairs[index]
    }

    /// What the Spotter would read for `ilk` now: its OSM's current value, or zero when
    /// the OSM has none (dss's Spotter then sets `spot` to zero).
    public func spotterPrice(ilk: MakerSystem.IlkID) -> UInt256? {
        guard let collateral = collateral(of: ilk) else { return nil }
        let (value, has) = osms[collateral.osm].peek()
        return has ? value : .zero
    }

    // MARK: - Equality

    /// Compares every component of the on-chain state; the journal is not state.
    public static func == (lhs: ProtocolState, rhs: ProtocolState) -> Bool {
        lhs.ledger == rhs.ledger && lhs.maker == rhs.maker && lhs.pairs == rhs.pairs
            && lhs.feeTo == rhs.feeTo && lhs.aggregators == rhs.aggregators
            && lhs.osms == rhs.osms && lhs.twaps == rhs.twaps
            && lhs.anchoredViews == rhs.anchoredViews && lhs.daiToken == rhs.daiToken
            && lhs.daiJoin == rhs.daiJoin && lhs.collaterals == rhs.collaterals
            && lhs.osmSources == rhs.osmSources && lhs.twapPairs == rhs.twapPairs
            && lhs.anchors == rhs.anchors && lhs.aavePools == rhs.aavePools
            && lhs.compoundComptrollers == rhs.compoundComptrollers
            && lhs.perpExchanges == rhs.perpExchanges && lhs.perpWirings == rhs.perpWirings
            && lhs.dexPriceFeeds == rhs.dexPriceFeeds && lhs.guards == rhs.guards
            && lhs.governance == rhs.governance
            && lhs.optionsExchanges == rhs.optionsExchanges
            && lhs.optionsWirings == rhs.optionsWirings
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ledger)
        hasher.combine(maker)
        hasher.combine(pairs)
        hasher.combine(feeTo)
        hasher.combine(aggregators)
        hasher.combine(osms)
        hasher.combine(twaps)
        hasher.combine(anchoredViews)
        hasher.combine(collaterals)
        hasher.combine(aavePools)
        hasher.combine(compoundComptrollers)
        hasher.combine(perpExchanges)
        hasher.combine(optionsExchanges)
    }
}
