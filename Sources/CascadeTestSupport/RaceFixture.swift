import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// A hand-built run for the race ledger's and the races output's tests: `ProtocolSample`'s
/// ETH-A (OSM at $150) with four vaults of 10 ETH each, two keepers with Vat DAI, a reporter,
/// and blocks built
/// by hand from real transactions executed by `BlockBuilder.execute`.
///
/// Vaults (liquidation price = debt · 1.5 / 10): A 900 DAI ($135), B 600 DAI ($90),
/// C 300 DAI ($45), D 880 DAI ($132, with 10 ETH of free collateral to top up with).
public struct RaceFixture {
    public static let vaultA = Address(2_001)
    public static let vaultB = Address(2_002)
    public static let vaultC = Address(2_003)
    public static let vaultD = Address(2_004)
    public static let keeper1 = Address(30)
    public static let keeper2 = Address(31)
    public static let reporter = ProtocolSample.reporter
    public static let baseFee: Wei = 10_000_000_000

    public let sample: ProtocolSample
    public var state: ProtocolState
    public var ledger = RaceLedger()
    public var nonces: [Address: UInt64] = [:]
    public var arrival: UInt64 = 0
    public var number: UInt64 = 0
    /// The sample's last timestamp, seconds: block times are offsets from it.
    public let start: UInt64
    /// Every block built, for the golden output.
    public var results: [BlockResult<ProtocolState.Call, ProtocolState.Event>] = []
    /// The ledger's notes after each block.
    public var notes: [[RaceLedger.Note]] = []
    /// The market and oracle (`feedPrice`) prices after each block, WAD.
    public var markets: [UInt256] = []
    public var oracles: [UInt256] = []

    /// The collateral type of the four vaults: ETH-A (Clipper), or ETH-B (Flipper).
    public let ilk: MakerSystem.IlkID

    public init(flip: Bool = false) {
        let sample = ProtocolSample(vaults: 0, auctions: 0)
        self.sample = sample
        var state = sample.state
        let wad = UInt256.wad
        var ilk = sample.ilk
        if flip {
            // A second collateral type on the Cat + Flipper, fed by the same OSM.
            let big = UInt256(1_000_000_000 as UInt64) * .rad
            ilk = state.maker.addIlk(
                MakerSystem.IlkConfiguration(
                    name: "ETH-B", line: big, dust: UInt256(100 as UInt64) * .rad,
                    mat: .ray * 3 / 2,
                    liquidation: .flip(
                        MakerSystem.FlipTerms(flipper: Address(5), chop: wad * 113 / 100, dunk: big)
                    )),
                at: sample.now)
            state.addCollateral(ilk: ilk, token: sample.weth, join: Address(15), osm: sample.osm)
            var events: [ProtocolState.Event] = []
            do {
                try state.apply(
                    .spotterPoke(ilk: ilk), caller: Self.reporter,
                    block: BlockContext(number: 0, timestamp: sample.now), events: &events)
            } catch {
                preconditionFailure("fixture poke: \(error)")
            }
        }
        self.ilk = ilk
        let debts: [(Address, UInt64)] = [
            (Self.vaultA, 900), (Self.vaultB, 600), (Self.vaultC, 300), (Self.vaultD, 880),
        ]
        let context = BlockContext(number: 0, timestamp: sample.now)
        for (owner, debt) in debts {
            state.depositCollateral(ilk: ilk, owner: owner, amount: 10 * wad)
            var events: [ProtocolState.Event] = []
            do {
                try state.apply(
                    .maker(
                        .frob(ilk: ilk, dink: .plus(10 * wad), dart: .plus(UInt256(debt) * wad))),
                    caller: owner, block: context, events: &events)
            } catch {
                preconditionFailure("fixture frob: \(error)")
            }
            state.ledger.mint(sample.eth, to: owner, amount: 1_000 * 1_000_000_000_000_000_000)
        }
        state.depositCollateral(ilk: ilk, owner: Self.vaultD, amount: 10 * wad)
        for keeper in [Self.keeper1, Self.keeper2, Self.reporter] {
            state.ledger.mint(sample.eth, to: keeper, amount: 1_000 * 1_000_000_000_000_000_000)
            state.maker.mintDai(to: keeper, amount: UInt256(100_000 as UInt64) * .rad)
        }
        self.state = state
        self.start = sample.now
    }

    /// One transaction of a hand-built block: sender, calls, priority fee in gwei.
    public struct Send {
        public var sender: Address
        public var calls: [ProtocolState.Call]
        public var tipGwei: UInt64 = 1

        public init(sender: Address, calls: [ProtocolState.Call], tipGwei: UInt64 = 1) {
            self.sender = sender
            self.calls = calls
            self.tipGwei = tipGwei
        }
    }

    /// Builds, executes and records a block at `start + seconds` with the market at
    /// `marketDollars`, the transactions in the given order.
    @discardableResult
    public mutating func block(
        at seconds: UInt64, market marketDollars: UInt64, _ sends: [Send] = []
    ) -> BlockResult<ProtocolState.Call, ProtocolState.Event> {
        number += 1
        let input = BlockInput(
            number: number, time: SimTime(milliseconds: Int64(start + seconds) * 1_000),
            gasLimit: 30_000_000, baseFee: Self.baseFee, producer: Address(99),
            market: .eip1559, nativeToken: sample.eth)
        var result = BlockResult<ProtocolState.Call, ProtocolState.Event>(input: input)
        for send in sends {
            let nonce = nonces[send.sender] ?? 0
            nonces[send.sender] = nonce + 1
            arrival += 1
            let bid = GasBid.eip1559(
                maxFee: 1_000_000_000_000, priorityFee: Wei(send.tipGwei) * 1_000_000_000)
            let transaction = Transaction(
                sender: send.sender, nonce: nonce, gasLimit: 1_000_000, bid: bid,
                calls: send.calls, arrival: arrival)
            let tip = bid.effectiveTip(baseFee: Self.baseFee) ?? 0
            let receipt = BlockBuilder.execute(
                transaction, tip: tip, index: result.receipts.count, input: input,
                state: &state, events: &result.events)
            result.transactions.append(transaction)
            result.receipts.append(receipt)
            if !receipt.status.isSuccess { result.revertedCount += 1 }
        }
        var prices: [UInt256?] = Array(repeating: nil, count: Int(ilk.rawValue) + 1)
        prices[Int(ilk.rawValue)] = UInt256(marketDollars) * .wad
        ledger.record(result, state: state, marketPrices: prices)
        results.append(result)
        notes.append(ledger.notes)
        markets.append(UInt256(marketDollars) * .wad)
        oracles.append(state.maker.ilk(ilk).feedPrice ?? .zero)
        return result
    }

    // MARK: - Calls

    public func bark(_ vault: Address, by keeper: Address) -> ProtocolState.Call {
        .maker(.bark(ilk: ilk, vault: vault, keeper: keeper))
    }

    public func bite(_ vault: Address) -> ProtocolState.Call {
        .maker(.bite(ilk: ilk, vault: vault))
    }

    public func report(_ dollars: UInt64, at seconds: UInt64) -> ProtocolState.Call {
        .oracleTransmit(
            aggregator: sample.median, observations: [UInt256(dollars) * .wad],
            observationsTimestamp: start + seconds)
    }

    public var osmPoke: ProtocolState.Call { .osmPoke(osm: sample.osm) }
    public var spotterPoke: ProtocolState.Call { .spotterPoke(ilk: ilk) }

    /// Keeper 2 taking `amount` (WAD) of Clipper `auction` at any price with its own DAI,
    /// tipping 5 gwei.
    public static func take(_ auction: MakerSystem.AuctionID, amount: UInt256) -> Send {
        Send(
            sender: keeper2,
            calls: [
                .maker(.take(auction: auction, amt: amount, max: .max, who: keeper2, flash: false))
            ], tipGwei: 5)
    }

    /// The liquidation call of `keeper` on `vault`: `bite` on a Flipper ilk, else `bark`.
    public func liquidate(_ vault: Address, by keeper: Address) -> ProtocolState.Call {
        if case .flip = state.maker.ilk(ilk).liquidation { return bite(vault) }
        return bark(vault, by: keeper)
    }

    /// The common opening: the market falls below A's and D's liquidation prices, the
    /// reporter sends $120, the OSM passes it on one hop later, and keeper 2 liquidates A at
    /// block 4 while keeper 1's liquidation reverts (as did its early one at block 2).
    public mutating func playOpening() {
        block(at: 12, market: 134)
        block(
            at: 24, market: 130,
            [
                Send(
                    sender: Self.keeper1, calls: [liquidate(Self.vaultA, by: Self.keeper1)],
                    tipGwei: 2)
            ])
        block(
            at: 3_600, market: 125,
            [Send(sender: Self.reporter, calls: [report(120, at: 3_600), osmPoke])])
        block(
            at: 7_200, market: 125,
            [
                Send(sender: Self.reporter, calls: [osmPoke, spotterPoke]),
                Send(
                    sender: Self.keeper2, calls: [liquidate(Self.vaultA, by: Self.keeper2)],
                    tipGwei: 3),
                Send(
                    sender: Self.keeper1, calls: [liquidate(Self.vaultA, by: Self.keeper1)],
                    tipGwei: 2),
            ])
    }

    /// The race id of `owner`'s vault (first race).
    public func position(_ owner: Address) -> String {
        "\(state.maker.ilk(ilk).name):\(owner)"
    }

    /// The first race of `owner`'s vault.
    public func race(_ owner: Address) -> Race? {
        let id = position(owner)
        return ledger.races().first { $0.position == id }
    }
}
