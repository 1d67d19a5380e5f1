import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// A liquidation keeper's settings: its latency, gas policy, capital, strategy and faults.
public struct KeeperSettings: Hashable, Sendable {
    public var name: String
    public var address: Address
    /// From the producer to the keeper (its node's view of new blocks).
    public var observation: LatencyModel
    /// From the keeper to the producer.
    public var propagation: LatencyModel
    /// Fixed, multiple of base fee, raise-on-compete (`raisePercent`), ceiling.
    public var gas: GasPolicy
    /// ERC-20 DAI at genesis (whole DAI): the capital that limits bids and own-DAI takes.
    public var daiCapital: UInt64
    /// Native ETH at genesis (whole ETH) for gas.
    public var ethBalance: UInt64
    /// Whether to take Clipper lots with the flash take-and-swap bundle on the AMM when
    /// its DAI is short (`ProtocolState.flashTakeBundle`).
    public var usesFlashTakes: Bool
    /// The least profit (quote currency, after slippage and gas) worth a transaction.
    public var minimumProfit: Double
    /// `bark` (and `redo`) even when the Clipper's incentive does not cover gas. (A
    /// Flipper's `bite` pays nothing; keepers always bite, to bid.)
    public var startsUnprofitableAuctions: Bool
    /// Flipper: the discount to the venue's sale value it bids at (0.05 = 5%).
    public var flipDiscount: Double
    /// Flipper opportunist: bid 1 wei of DAI on auctions nobody has bid on after this long
    /// (nil: not an opportunist).
    public var opportunistWait: SimTime?
    /// Flipper: sell each won lot on the collateral's AMM pair in the `deal` transaction
    /// (exit the gem, swap for DAI), recycling the capital for the next bids. Without it
    /// the lot is sold on the off-chain venue, which moves the price but returns no DAI.
    public var sellsWonCollateralOnAMM: Bool
    /// At most this many new transactions per observed block.
    public var maxNewTransactionsPerBlock: Int
    /// An auction it looked at and left alone is looked at again after this long (a
    /// Clipper's price moves once per step; 90 s on mainnet).
    public var auctionRecheck: SimTime
    /// The longest it leaves a live Clipper auction alone: its wait for the price curve to
    /// reach the venue, and its back-off on auctions that give it nothing to do, stop here
    /// (the market moves meanwhile). Its attentiveness; a limit below `auctionRecheck` is
    /// read as `auctionRecheck`.
    public var auctionRecheckLimit: SimTime
    /// After a revert, the keeper leaves that target alone this long ("not retried in
    /// time").
    public var retryDelay: SimTime
    /// Windows when the bot is down: its node keeps syncing (its vault book stays right)
    /// but it sends and raises nothing.
    public var downtime: [Range<SimTime>]

    public init(
        name: String, address: Address,
        observation: LatencyModel = .logNormal(medianMs: 300, sigma: 0.5),
        propagation: LatencyModel = .logNormal(medianMs: 100, sigma: 0.5),
        gas: GasPolicy = GasPolicy(
            strategy: .baseFeeMultiple(percent: 200, priorityFee: .gwei(5)),
            raisePercent: 15, raiseCap: .gwei(500)),
        daiCapital: UInt64 = 100_000, ethBalance: UInt64 = 1_000,
        usesFlashTakes: Bool = true, sellsWonCollateralOnAMM: Bool = false,
        minimumProfit: Double = 0,
        startsUnprofitableAuctions: Bool = false, flipDiscount: Double = 0.05,
        opportunistWait: SimTime? = nil, maxNewTransactionsPerBlock: Int = 8,
        auctionRecheck: SimTime = .seconds(90), auctionRecheckLimit: SimTime = .seconds(600),
        retryDelay: SimTime = .seconds(30), downtime: [Range<SimTime>] = []
    ) {
        precondition(observation.problem == nil && propagation.problem == nil)
        precondition(flipDiscount >= 0 && flipDiscount < 1, "discount in [0, 1)")
        precondition(maxNewTransactionsPerBlock > 0)
        self.name = name
        self.address = address
        self.observation = observation
        self.propagation = propagation
        self.gas = gas
        self.daiCapital = daiCapital
        self.ethBalance = ethBalance
        self.usesFlashTakes = usesFlashTakes
        self.sellsWonCollateralOnAMM = sellsWonCollateralOnAMM
        self.minimumProfit = minimumProfit
        self.startsUnprofitableAuctions = startsUnprofitableAuctions
        self.flipDiscount = flipDiscount
        self.opportunistWait = opportunistWait
        self.maxNewTransactionsPerBlock = maxNewTransactionsPerBlock
        self.auctionRecheck = auctionRecheck
        self.auctionRecheckLimit = auctionRecheckLimit
        self.retryDelay = retryDelay
        self.downtime = downtime
    }

    /// The longest it leaves a live Clipper auction alone: `auctionRecheckLimit`, and never
    /// less than `auctionRecheck`.
    public var effectiveRecheckLimit: SimTime {
        max(auctionRecheckLimit, auctionRecheck)
    }

    /// How long it leaves a Clipper auction alone after `misses` looks in a row found
    /// nothing to do: `auctionRecheck` doubled once per miss, up to
    /// `effectiveRecheckLimit` (a doubling that would pass it gives the limit).
    @inline(__always)
    public func auctionBackoff(after misses: Int) -> SimTime {
        let limit = effectiveRecheckLimit.milliseconds
        let recheck = auctionRecheck.milliseconds
        // `recheck · 2^misses` while the shift cannot overflow; past that it is above any
        // limit. (Asked once per look that finds nothing: no loop.)
        let headroom = recheck.leadingZeroBitCount - 1
        return .milliseconds(misses >= headroom ? limit : min(recheck << misses, limit))
    }
}

/// What a keeper's transaction is for.
enum KeeperTask: Equatable {
    case liquidate(ilk: MakerSystem.IlkID, owner: Address)
    /// A Clipper take of `slice` WAD of collateral `collateral`.
    case take(auction: MakerSystem.AuctionID, collateral: Int, slice: UInt256, flash: Bool)
    case bid(auction: MakerSystem.AuctionID)
    case redo(auction: MakerSystem.AuctionID)
    /// A Flipper `deal`; `soldOnAMM`: the lot is sold on the pair in the same transaction.
    case deal(auction: MakerSystem.AuctionID, collateral: Int, lot: UInt256, soldOnAMM: Bool)

    /// The thing raced for: a vault or an auction.
    var target: KeeperTarget {
        switch self {
        case .liquidate(let ilk, let owner): .vault(ilk: ilk, owner: owner)
        case .take(let auction, _, _, _), .bid(let auction), .redo(let auction),
            .deal(let auction, _, _, _):
            .auction(auction)
        }
    }
}

enum KeeperTarget: Hashable, TableTarget {
    case vault(ilk: MakerSystem.IlkID, owner: Address)
    case auction(MakerSystem.AuctionID)

    /// A vault's ilk and owner side by side, flagged in the top bit; an auction's id.
    var hashBits: UInt64 {
        switch self {
        case .vault(let ilk, let owner):
            1 << 63 | UInt64(ilk.rawValue) << 32 | UInt64(owner.rawValue)
        case .auction(let id):
            id.rawValue
        }
    }
}

/// A set of keeper targets that only grows: auctions by id in a flag table (ids are dense,
/// and every bid and take of a run lands here: hashing each into a growing set was 2% of a
/// Black Thursday run), vaults in a table (`TargetTable`).
struct KeeperTargetSet {
    private var auctions: [Bool] = []
    private var vaults = TargetTable<KeeperTarget, Void>()

    mutating func insert(_ target: KeeperTarget) {
        guard case .auction(let id) = target, id.rawValue < UInt64(Int.max) else {
            vaults.set(target, ())
            return
        }
        let slot = Int(id.rawValue)
        if slot >= auctions.count {
            auctions.append(contentsOf: repeatElement(false, count: slot + 1 - auctions.count))
        }
        auctions[slot] = true
    }

    func contains(_ target: KeeperTarget) -> Bool {
        guard case .auction(let id) = target, id.rawValue < UInt64(Int.max) else {
            return vaults.contains(target)
        }
        let slot = Int(id.rawValue)
        return slot < auctions.count && auctions[slot]
    }
}
