import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

/// The lending keeper's index against brute force: over random books (three assets of 6,
/// 18 and 8 decimals, sizes over twelve orders of magnitude, dust, positions placed on the
/// line), random prices, interest and interleaved changes, `LendingBook.liquidatable`
/// must name exactly the accounts a scan of every account's health factor (Aave) or
/// shortfall (Compound) names — at the pool's prices and at overriding market prices.
@Suite("lending index: exact against a health-factor scan")
struct LendingIndexTests {
    static let oracle = Address(900)
    static let treasury = Address(901)
    static let supplier = Address(902)
    static let first: UInt32 = 10_000
    static let decimals = [6, 18, 8]
    /// Liquidation thresholds (bps) and bonuses: threshold × bonus ≤ 100%.
    static let thresholds: [UInt64] = [8_800, 6_500, 7_500]
    static let bonuses: [UInt64] = [10_450, 11_000, 10_800]

    /// A state holding one lending pool of `kind` with the three assets.
    struct Book {
        var state: ProtocolState
        var reader: LendingPoolReader
        var tokens: [TokenID]
        var now: UInt64 = 10
        var number: UInt64 = 1

        init(kind: LendingPoolKind, prices: [UInt256]) {
            var ledger = TokenLedger()
            _ = ledger.addToken(symbol: "ETH")
            let dai = ledger.addToken(symbol: "DAI")
            tokens = ["A", "B", "C"].map { ledger.addToken(symbol: $0) }
            state = ProtocolState(
                ledger: ledger,
                maker: MakerSystem(
                    configuration: MakerSystem.Configuration(
                        vow: .zero, cat: .zero, dog: .zero, governance: .zero,
                        globalLine: .zero)),
                dai: dai, daiJoin: .zero)
            switch kind {
            case .aave(let version):
                var pool = AavePool(
                    configuration: .init(version: version, treasury: treasury, oracle: oracle))
                let rates = AaveInterestRateStrategy(
                    optimalUsageRatio: .ray * 8 / 10, baseVariableBorrowRate: .ray / 50,
                    variableRateSlope1: .ray / 10, variableRateSlope2: .ray)
                for index in 0..<3 {
                    _ = pool.addReserve(
                        AavePool.ReserveConfiguration(
                            token: tokens[index], aToken: Address(UInt32(950 + index)),
                            decimals: decimals[index], ltvBps: UInt256(thresholds[index]),
                            liquidationThresholdBps: UInt256(thresholds[index]),
                            liquidationBonusBps: UInt256(bonuses[index]),
                            liquidationProtocolFeeBps: 1_000, reserveFactorBps: 1_000,
                            interestRates: index == 1 ? .zero : rates),
                        price: prices[index] / UInt256.powerOfTen(10), at: 0)
                }
                reader = LendingPoolReader(kind: kind, pool: state.addAavePool(pool))
            case .compound:
                var comptroller = CompoundComptroller(
                    configuration: .init(
                        closeFactor: .wad / 2, liquidationIncentive: .wad * 108 / 100),
                    oracle: AnchoredPriceView(
                        address: Address(960), reporter: oracle, assetCount: 3,
                        toleranceWad: .wad / 5))
                for index in 0..<3 {
                    _ = comptroller.addMarket(
                        CompoundComptroller.MarketConfiguration(
                            underlying: tokens[index], cToken: Address(UInt32(950 + index)),
                            underlyingDecimals: decimals[index],
                            collateralFactor: UInt256(thresholds[index]) * .wad / 10_000,
                            reserveFactor: .wad / 10,
                            initialExchangeRate: UInt256(2 as UInt64)
                                * UInt256.powerOfTen(16 + decimals[index] - 8),
                            interestRateModel: .fixed(
                                index == 1 ? .zero : UInt256(20_000_000_000 as UInt64)),
                            oracleAsset: index),
                        atBlock: 0)
                }
                reader = LendingPoolReader(
                    kind: kind, pool: state.addCompoundComptroller(comptroller))
            }
            setPrices(prices)
            for asset in 0..<3 {
                let cash = UInt256.powerOfTen(decimals[asset] + 15)
                state.ledger.mint(tokens[asset], to: supplier, amount: cash.toUInt128())
                _ = perform(supply(asset, cash), by: supplier)
            }
        }

        var block: BlockContext { BlockContext(number: number, timestamp: now) }

        @discardableResult
        mutating func perform(_ call: ProtocolState.Call, by caller: Address)
            -> [ProtocolState.Event]?
        {
            var events: [ProtocolState.Event] = []
            do {
                try state.apply(call, caller: caller, block: block, events: &events)
                return events
            } catch {
                return nil
            }
        }

        func supply(_ asset: Int, _ amount: UInt256) -> ProtocolState.Call {
            switch reader.kind {
            case .aave: .aave(pool: reader.pool, .supply(asset: asset, amount: amount))
            case .compound:
                .compound(comptroller: reader.pool, .mint(market: asset, amount: amount))
            }
        }

        func borrow(_ asset: Int, _ amount: UInt256) -> ProtocolState.Call {
            switch reader.kind {
            case .aave: .aave(pool: reader.pool, .borrow(asset: asset, amount: amount))
            case .compound:
                .compound(comptroller: reader.pool, .borrow(market: asset, amount: amount))
            }
        }

        func repay(_ asset: Int, _ amount: UInt256) -> ProtocolState.Call {
            switch reader.kind {
            case .aave: .aave(pool: reader.pool, .repay(asset: asset, amount: amount))
            case .compound:
                .compound(comptroller: reader.pool, .repayBorrow(market: asset, amount: amount))
            }
        }

        mutating func setPrices(_ wads: [UInt256]) {
            for (asset, wad) in wads.enumerated() {
                switch reader.kind {
                case .aave:
                    _ = perform(
                        .aave(
                            pool: reader.pool,
                            .setAssetPrice(
                                asset: asset, price: max(wad / UInt256.powerOfTen(10), .one))),
                        by: oracle)
                case .compound:
                    _ = perform(
                        .compound(
                            comptroller: reader.pool,
                            .oracle(.postPrice(asset: asset, reportedPrice: wad, anchorPrice: wad))),
                        by: oracle)
                }
            }
        }

        /// The brute force: every account of `pair` the pool would liquidate.
        func scan(_ pair: LendingPair, accounts: Int, prices: [UInt256]?) -> [Address] {
            (0..<accounts).map { Address(first + UInt32($0)) }.filter { account in
                reader.pair(of: account, state) == pair
                    && reader.isLiquidatable(account, pair, state, at: now, prices: prices)
            }
        }
    }

    static func randomPrice(_ random: inout RandomStream) -> UInt256 {
        // From $0.0001 to $100,000, log-uniform.
        let dollars = ChainMath.exp(random.uniform(-9.2, 11.5))
        return UInt256(truncating: dollars * 1e18) ?? .wad
    }

    /// Opens `count` accounts, each one collateral and one debt asset, sized over twelve
    /// orders of magnitude, borrowing from 5% to 99.9% of what the pool allows.
    static func open(_ book: inout Book, count: Int, random: inout RandomStream) {
        for index in 0..<count {
            let account = Address(first + UInt32(index))
            let collateral = Int(random.uniformInt(below: 3))
            let debt = (collateral + 1 + Int(random.uniformInt(below: 2))) % 3
            let units = ChainMath.exp(random.uniform(-6, 21)) / 1e6
            let unit = UInt256.powerOfTen(decimals[collateral]).testDouble
            guard let amount = UInt256(truncating: units * unit), !amount.isZero else { continue }
            book.state.ledger.mint(book.tokens[collateral], to: account, amount: amount.toUInt128())
            book.perform(book.supply(collateral, amount), by: account)
            if case .compound = book.reader.kind {
                book.perform(
                    .compound(comptroller: book.reader.pool, .enterMarkets([collateral])),
                    by: account)
            }
            if random.uniform() < 0.1 { continue }  // suppliers only
            let share = random.uniform() < 0.2 ? 0.999 : random.uniform(0.05, 0.99)
            let price = book.reader.oraclePrice(collateral, book.state).testDouble
            let debtPrice = book.reader.oraclePrice(debt, book.state).testDouble
            let value = units * price * Double(thresholds[collateral]) / 10_000 * share
            let debtUnit = UInt256.powerOfTen(decimals[debt]).testDouble
            guard let borrowed = UInt256(truncating: value / debtPrice * debtUnit),
                !borrowed.isZero
            else { continue }
            book.perform(book.borrow(debt, borrowed), by: account)
        }
    }

    @Test(
        "index = scan: Aave v2/v3 and Compound, random books, prices, interest and changes",
        arguments: [
            (LendingPoolKind.aave(.v2), UInt64(1)), (.aave(.v2), 2), (.aave(.v3), 3),
            (.aave(.v3), 4), (.compound, 5), (.compound, 6), (.aave(.v3dot3), 7),
        ])
    func indexMatchesScan(kind: LendingPoolKind, seed: UInt64) throws {
        var random = RandomStream(seed: seed, name: "lending-index-test")
        let accounts = 400
        var book = Book(
            kind: kind, prices: [UInt256.wad, UInt256.wad / 2, UInt256(30_000 as UInt64) * .wad])
        Self.open(&book, count: accounts, random: &random)
        var index = LendingBook(
            reader: book.reader, state: book.state, firstAccount: Self.first,
            accountCount: accounts)
        var queries = 0
        var found = 0
        for round in 0..<40 {
            // Prices move (now and then one account is put exactly on its line), time
            // passes (interest), and some accounts change.
            var prices = (0..<3).map { book.reader.oraclePrice($0, book.state) }
            for asset in 0..<3 where random.uniform() < 0.7 {
                let factor = ChainMath.exp(0.25 * random.normal())
                prices[asset] = UInt256(truncating: prices[asset].testDouble * factor) ?? .wad
            }
            if round % 3 == 0, let account = Self.lineAccount(book, random: &random) {
                prices = Self.placeOnLine(book, account, prices: prices, random: &random)
            }
            book.setPrices(prices)
            book.now += UInt64(random.uniformInt(below: 86_400 * 30))
            book.number += 1
            for _ in 0..<8 {
                let account = Address(
                    Self.first + UInt32(random.uniformInt(below: UInt64(accounts))))
                guard let pair = book.reader.pair(of: account, book.state) else { continue }
                let debt = book.reader.debt(of: account, asset: pair.debt, book.state, at: book.now)
                let call =
                    random.uniform() < 0.5
                    ? book.repay(pair.debt, debt / UInt256(2 as UInt64) + .one)
                    : book.borrow(pair.debt, debt / UInt256(10 as UInt64) + .one)
                if random.uniform() < 0.5 {
                    let token = book.tokens[pair.debt]
                    book.state.ledger.mint(token, to: account, amount: (debt + .one).toUInt128())
                }
                if let events = book.perform(call, by: account) {
                    index.apply(events, state: book.state, block: book.number)
                }
            }
            let market: [UInt256]? =
                round % 2 == 0
                ? (0..<3).map { _ in Self.randomPrice(&random) } : nil
            for collateral in 0..<3 {
                for debt in 0..<3 where debt != collateral {
                    let pair = LendingPair(collateral: collateral, debt: debt)
                    for prices in [nil, market] {
                        let listed = index.liquidatable(
                            pair, state: book.state, at: book.now, prices: prices)
                        let expected = book.scan(pair, accounts: accounts, prices: prices)
                        #expect(
                            listed.sorted() == expected,
                            "seed \(seed) round \(round) pair \(collateral)/\(debt)")
                        queries += 1
                        found += expected.count
                    }
                }
            }
        }
        #expect(found > 50, "seed \(seed): the test must meet liquidatable accounts")
        // Never a scan: the walk visits the answers, the band and the dust, not the book.
        #expect(
            index.index.visitedCount < found * 3 + queries * 40,
            "seed \(seed): visited \(index.index.visitedCount) for \(found) over \(queries)")
    }

    /// A borrowing account, if any, to put on its line.
    static func lineAccount(_ book: Book, random: inout RandomStream) -> Address? {
        for _ in 0..<20 {
            let account = Address(first + UInt32(random.uniformInt(below: 400)))
            if book.reader.pair(of: account, book.state) != nil { return account }
        }
        return nil
    }

    /// Prices under which `account`'s health factor is 1 within the last price unit:
    /// the debt asset's price set to collateral value × threshold / debt, ± one unit.
    static func placeOnLine(
        _ book: Book, _ account: Address, prices: [UInt256], random: inout RandomStream
    ) -> [UInt256] {
        guard let pair = book.reader.pair(of: account, book.state) else { return prices }
        let collateral = book.reader.collateral(
            of: account, asset: pair.collateral, book.state, at: book.now)
        let debt = book.reader.debt(of: account, asset: pair.debt, book.state, at: book.now)
        guard !debt.isZero else { return prices }
        let weighted = UInt256.mulDiv(
            UInt256.mulDiv(
                collateral, prices[pair.collateral], UInt256.powerOfTen(decimals[pair.collateral])),
            UInt256(thresholds[pair.collateral]), 10_000)
        var line = UInt256.mulDiv(weighted, UInt256.powerOfTen(decimals[pair.debt]), debt)
        let unit: UInt256 = book.reader.kind == .compound ? .one : UInt256.powerOfTen(10)
        switch random.uniformInt(below: 3) {
        case 0: line += unit
        case 1: line = line > unit ? line - unit : line
        default: break
        }
        var moved = prices
        moved[pair.debt] = max(line, UInt256.powerOfTen(10))
        return moved
    }
}

extension UInt256 {
    /// The nearest `Double` (off-chain arithmetic in the tests only).
    var testDouble: Double {
        let parts = [high >> 64, high & UInt128(UInt64.max), low >> 64, low & UInt128(UInt64.max)]
        return parts.reduce(0.0) { $0 * 0x1p64 + Double(UInt64($1)) }
    }
}
