import CascadeCore

/// A small mainnet-shaped world, wired end to end: ETH-A on the Clipper (Liquidations 2.0)
/// fed by a median aggregator through an OSM, a WETH/DAI Uniswap v2 pair with a TWAP, and
/// `vaults` borrowers of whom the first `auctions` are liquidated after a 25% price drop.
///
/// For tests, benches and examples; a world file wires the same pieces with its own
/// numbers. Every vault locks 10 WETH and draws 1,200 DAI at $200 (safe at 150%); the
/// price then falls to $150 (unsafe) and the keeper barks. The pair holds 100,000 WETH and
/// 15,000,000 DAI ($150). Clipper: `buf` 1.2, stairstep `cut` 0.99 every 90 s, `tail` 3 h,
/// `cusp` 0.4, `chip` 0.1%, `tip` 100 DAI, `dust` 100 DAI, `chop` 1.13.
public struct ProtocolSample: Sendable {
    public static let vow = Address(1)
    public static let cat = Address(2)
    public static let dog = Address(3)
    public static let governance = Address(4)
    public static let clipper = Address(6)
    public static let daiJoin = Address(7)
    public static let ethJoin = Address(8)
    public static let pairAddress = Address(9)
    public static let medianAddress = Address(10)
    public static let osmAddress = Address(11)
    public static let twapAddress = Address(12)
    public static let reporter = Address(13)
    public static let keeper = Address(20)
    public static let liquidityProvider = Address(21)
    /// Borrower `i` is `Address(firstBorrower + i)`.
    public static let firstBorrower: UInt32 = 1_000

    public var state: ProtocolState
    public let eth: TokenID
    public let dai: TokenID
    public let weth: TokenID
    public let ilk: MakerSystem.IlkID
    public let pair: Int
    public let median: Int
    public let osm: Int
    public let twap: Int
    /// The auctions the keeper started, in order.
    public let auctionIDs: [MakerSystem.AuctionID]
    /// Seconds: the block time the world was left at (just after the barks).
    public let now: UInt64

    public var block: BlockContext { BlockContext(number: 1, timestamp: now) }

    public static func borrower(_ index: Int) -> Address {
        Address(firstBorrower + UInt32(index))
    }

    /// Builds the world. Traps if a setup step reverts (a bug in the sample).
    public init(vaults: Int, auctions: Int) {
        precondition(auctions <= vaults, "cannot liquidate more vaults than exist")
        let wad = UInt256.wad
        var ledger = TokenLedger()
        let eth = ledger.addToken(symbol: "ETH")
        let dai = ledger.addToken(symbol: "DAI")
        let weth = ledger.addToken(symbol: "WETH")
        let big = UInt256(1_000_000_000 as UInt64) * .rad
        var maker = MakerSystem(
            configuration: MakerSystem.Configuration(
                vow: Self.vow, cat: Self.cat, dog: Self.dog, governance: Self.governance,
                globalLine: big * UInt256(1_000 as UInt64), box: big, globalHole: big))
        let terms = MakerSystem.ClipTerms(
            clipper: Self.clipper, chop: wad * UInt256(113 as UInt64) / UInt256(100 as UInt64),
            hole: big, buf: .ray * UInt256(12 as UInt64) / UInt256(10 as UInt64),
            tail: 10_800, cusp: .ray * UInt256(4 as UInt64) / UInt256(10 as UInt64),
            chip: wad / UInt256(1_000 as UInt64), tip: UInt256(100 as UInt64) * .rad,
            calc: .stairstepExponentialDecrease(
                stepSeconds: 90, cut: .ray * UInt256(99 as UInt64) / UInt256(100 as UInt64)))
        var now: UInt64 = 3_600
        let ilk = maker.addIlk(
            MakerSystem.IlkConfiguration(
                name: "ETH-A", line: big * UInt256(1_000 as UInt64),
                dust: UInt256(100 as UInt64) * .rad,
                mat: .ray * UInt256(3 as UInt64) / UInt256(2 as UInt64),
                liquidation: .clip(terms)),
            at: now)
        var state = ProtocolState(ledger: ledger, maker: maker, dai: dai, daiJoin: Self.daiJoin)
        let median = state.addAggregator(
            MedianAggregator(
                address: Self.medianAddress, quorum: 1, minAnswer: .one,
                maxAnswer: UInt256(1_000_000 as UInt64) * wad))
        let osm = state.addOSM(
            OSM(address: Self.osmAddress, wards: [Self.governance]), source: median)
        state.addCollateral(ilk: ilk, token: weth, join: Self.ethJoin, osm: osm)
        let pair = state.addPair(weth, dai, address: Self.pairAddress)

        func run(_ call: ProtocolState.Call, _ caller: Address) {
            var events: [ProtocolState.Event] = []
            do {
                try state.apply(
                    call, caller: caller, block: BlockContext(number: 1, timestamp: now),
                    events: &events)
            } catch {
                preconditionFailure("sample setup: \(call) reverted: \(error)")
            }
        }
        func report(_ price: UInt64) {
            run(
                .oracleTransmit(
                    aggregator: median, observations: [UInt256(price) * wad],
                    observationsTimestamp: now), Self.reporter)
        }
        // $200 reaches the Spotter one hop after it is queued.
        report(200)
        run(.osmPoke(osm: osm), Self.keeper)
        now += 3_600
        run(.osmPoke(osm: osm), Self.keeper)
        run(.spotterPoke(ilk: ilk), Self.keeper)
        for index in 0..<vaults {
            let owner = Self.borrower(index)
            state.depositCollateral(ilk: ilk, owner: owner, amount: 10 * wad)
            run(.maker(.frob(ilk: ilk, dink: .plus(10 * wad), dart: .plus(1_200 * wad))), owner)
        }
        // The pool: minted ERC-20 from outside the model, deposited by the LP.
        state.ledger.mint(weth, to: Self.liquidityProvider, amount: (100_000 * wad).toUInt128())
        state.ledger.mint(dai, to: Self.liquidityProvider, amount: (15_000_000 * wad).toUInt128())
        run(
            .addLiquidity(
                pair: pair, amount0: weth < dai ? 100_000 * wad : 15_000_000 * wad,
                amount1: weth < dai ? 15_000_000 * wad : 100_000 * wad,
                to: Self.liquidityProvider), Self.liquidityProvider)
        let twap: Int
        do {
            twap = try state.addTWAP(address: Self.twapAddress, pair: pair, periodSeconds: 1_800)
        } catch {
            preconditionFailure("sample setup: TWAP: \(error)")
        }
        // The drop to $150: queued, then current one hop later.
        report(150)
        now += 3_600
        run(.osmPoke(osm: osm), Self.keeper)
        now += 3_600
        run(.osmPoke(osm: osm), Self.keeper)
        run(.spotterPoke(ilk: ilk), Self.keeper)
        var ids: [MakerSystem.AuctionID] = []
        for index in 0..<auctions {
            run(
                .maker(.bark(ilk: ilk, vault: Self.borrower(index), keeper: Self.keeper)),
                Self.keeper)
            ids.append(MakerSystem.AuctionID(state.maker.kicks))
        }
        // Gas money for the keeper.
        state.ledger.mint(eth, to: Self.keeper, amount: 1_000_000_000 * UInt128.weiPerEther)
        auctionIDs = ids
        self.now = now
        self.state = state
        self.eth = eth
        self.dai = dai
        self.weth = weth
        self.ilk = ilk
        self.median = median
        self.osm = osm
        self.pair = pair
        self.twap = twap
    }
}

extension UInt128 {
    /// 10^18.
    static let weiPerEther: UInt128 = 1_000_000_000_000_000_000
}
