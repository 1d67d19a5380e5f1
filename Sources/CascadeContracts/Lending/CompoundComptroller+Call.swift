import CascadeCore

extension CompoundComptroller {
    /// The requests the Comptroller and its cTokens accept. Markets are indexes; amounts
    /// are base units of the market's underlying, `tokens` are cTokens.
    public enum Call: Hashable, Sendable {
        /// `Comptroller.enterMarkets`: count these markets' cTokens as the caller's
        /// collateral (and their borrows in its liquidity).
        case enterMarkets([Int])
        /// `CToken.mint`: deposit `amount`, receive `amount · 1e18 / exchangeRate` cTokens.
        case mint(market: Int, amount: UInt256)
        /// `CToken.redeem`: burn `tokens` for `exchangeRate · tokens / 1e18` underlying.
        case redeem(market: Int, tokens: UInt256)
        /// `CToken.redeemUnderlying`: receive `amount`, burning `amount · 1e18 / rate`.
        case redeemUnderlying(market: Int, amount: UInt256)
        /// `CToken.borrow`: enters the market if needed; requires no shortfall after.
        case borrow(market: Int, amount: UInt256)
        /// `CToken.repayBorrow`: repays the caller's borrow; `UInt256.max` repays it all.
        case repayBorrow(market: Int, amount: UInt256)
        /// `CToken.liquidateBorrow` on `borrowMarket`: repays `repayAmount` of
        /// `borrower`'s borrow and seizes cTokens of `collateralMarket`.
        case liquidateBorrow(
            borrowMarket: Int, borrower: Address, repayAmount: UInt256, collateralMarket: Int)
        /// `CToken.accrueInterest`.
        case accrueInterest(market: Int)
        /// A call to the price view (`postPrice`, `invalidateReporter`).
        case oracle(AnchoredPriceView.Call)
    }

    /// A liquidation: the trace's `liquidation_call` fields plus Compound's own.
    public struct Liquidation: Hashable, Sendable {
        public var call: LiquidationCall
        /// The collateral market's exchange rate used for the seizure, WAD.
        public var exchangeRate: UInt256
        /// Underlying added to the collateral market's reserves (`protocolSeizeAmount`).
        public var protocolSeizeAmount: UInt256
        /// The borrower's shortfall before the liquidation, USD mantissa.
        public var shortfall: UInt256
    }

    /// What happened, with the inputs needed to recompute it.
    public enum Event: Hashable, Sendable {
        /// `AccrueInterest`: the borrow index and borrows after the accrual.
        case interestAccrued(
            market: Int, cashPrior: UInt256, interest: UInt256, borrowIndex: UInt256,
            totalBorrows: UInt256)
        case marketEntered(market: Int, account: Address)
        case minted(market: Int, minter: Address, amount: UInt256, tokens: UInt256)
        case redeemed(market: Int, redeemer: Address, amount: UInt256, tokens: UInt256)
        case borrowed(
            market: Int, borrower: Address, amount: UInt256, accountBorrows: UInt256,
            totalBorrows: UInt256)
        case repaid(
            market: Int, payer: Address, borrower: Address, amount: UInt256,
            accountBorrows: UInt256, totalBorrows: UInt256)
        case liquidated(Liquidation)
        case oracle(AnchoredPriceView.Event)

        /// The trace's `type`.
        public var traceType: String {
            switch self {
            case .interestAccrued: "accrue_interest"
            case .marketEntered: "market_entered"
            case .minted: "mint"
            case .redeemed: "redeem"
            case .borrowed: "borrow"
            case .repaid: "repay"
            case .liquidated: "liquidation_call"
            case .oracle(.oracleUpdated): "oracle_update"
            case .oracle(.reporterInvalidated): "reporter_invalidated"
            }
        }

        /// The trace's fields, values as exact decimal integers, markets named by
        /// `marketName`. A liquidation's INTERFACE.md fields come first.
        public func traceFields(marketName: (Int) -> String) -> [(name: String, value: String)] {
            switch self {
            case .interestAccrued(let market, let cash, let interest, let index, let borrows):
                [
                    ("market", marketName(market)), ("cash_prior", cash.description),
                    ("interest", interest.description), ("borrow_index", index.description),
                    ("total_borrows", borrows.description),
                ]
            case .marketEntered(let market, let account):
                [("market", marketName(market)), ("account", account.description)]
            case .minted(let market, let account, let amount, let tokens),
                .redeemed(let market, let account, let amount, let tokens):
                [
                    ("market", marketName(market)), ("account", account.description),
                    ("amount", amount.description), ("tokens", tokens.description),
                ]
            case .borrowed(let market, let borrower, let amount, let owed, let total):
                [
                    ("market", marketName(market)), ("borrower", borrower.description),
                    ("amount", amount.description), ("account_borrows", owed.description),
                    ("total_borrows", total.description),
                ]
            case .repaid(let market, let payer, let borrower, let amount, let owed, let total):
                [
                    ("market", marketName(market)), ("payer", payer.description),
                    ("borrower", borrower.description), ("amount", amount.description),
                    ("account_borrows", owed.description), ("total_borrows", total.description),
                ]
            case .liquidated(let liquidation):
                liquidation.call.traceFields(assetName: marketName) + [
                    ("exchange_rate", liquidation.exchangeRate.description),
                    ("protocol_seize_amount", liquidation.protocolSeizeAmount.description),
                    ("shortfall", liquidation.shortfall.description),
                ]
            case .oracle(.oracleUpdated(let asset, let update, let anchor)):
                [
                    ("oracle", update.oracle.description), ("kind", update.kind.rawValue),
                    ("value", update.value.description),
                    ("source_value", update.sourceValue.description),
                    ("round", String(update.round)),
                    ("accepted", update.accepted ? "true" : "false"),
                    ("asset", String(asset)), ("anchor", anchor.description),
                ]
            case .oracle(.reporterInvalidated):
                []
            }
        }
    }

    /// Runs one call. On a revert, `self`, `ledger` and `events` are unchanged: each
    /// operation accrues and updates copies of the markets it touches, checks every
    /// condition (the transfers' balances included), and only then stores them.
    public mutating func apply(
        _ call: Call, caller: Address, block: BlockContext, ledger: inout TokenLedger,
        events: inout [Event]
    ) throws(Revert) {
        let now = block.number
        switch call {
        case .enterMarkets(let list):
            for market in list { try requireListed(market, "MARKET_NOT_LISTED") }
            var produced: [Event] = []
            for market in list where !isMember(caller, market: market) {
                join(caller, market: market)
                produced.append(.marketEntered(market: market, account: caller))
            }
            events += produced
        case .mint(let market, let amount):
            try requireListed(market, "MintComptrollerRejection(MARKET_NOT_LISTED)")
            try mint(
                market, amount: amount, minter: caller, block: now, ledger: &ledger, events: &events
            )
        case .redeem(let market, let tokens):
            try requireListed(market, "RedeemComptrollerRejection(MARKET_NOT_LISTED)")
            try redeem(
                market, tokens: tokens, amount: .zero, redeemer: caller, block: now,
                ledger: &ledger, events: &events)
        case .redeemUnderlying(let market, let amount):
            try requireListed(market, "RedeemComptrollerRejection(MARKET_NOT_LISTED)")
            try redeem(
                market, tokens: .zero, amount: amount, redeemer: caller, block: now,
                ledger: &ledger, events: &events)
        case .borrow(let market, let amount):
            try requireListed(market, "BorrowComptrollerRejection(MARKET_NOT_LISTED)")
            try borrow(
                market, amount: amount, borrower: caller, block: now, ledger: &ledger,
                events: &events)
        case .repayBorrow(let market, let amount):
            try requireListed(market, "RepayBorrowComptrollerRejection(MARKET_NOT_LISTED)")
            try repayBorrow(
                market, amount: amount, payer: caller, block: now, ledger: &ledger, events: &events)
        case .liquidateBorrow(let borrowMarket, let borrower, let repayAmount, let collateral):
            try requireListed(borrowMarket, "LiquidateComptrollerRejection(MARKET_NOT_LISTED)")
            try requireListed(collateral, "LiquidateComptrollerRejection(MARKET_NOT_LISTED)")
            try liquidateBorrow(
                LiquidationRequest(
                    borrowMarket: borrowMarket, collateralMarket: collateral, borrower: borrower,
                    repayAmount: repayAmount, liquidator: caller),
                block: now, ledger: &ledger, events: &events)
        case .accrueInterest(let market):
            try requireListed(market, "MARKET_NOT_LISTED")
            var books = markets
            var produced: [Event] = []
            try accrue(&books, market, block: now, ledger: ledger, events: &produced)
            markets = books
            events += produced
        case .oracle(let request):
            var produced: [AnchoredPriceView.Event] = []
            try oracle.apply(request, caller: caller, block: block, events: &produced)
            events += produced.map { .oracle($0) }
        }
    }

    func requireListed(_ market: Int, _ reason: String) throws(Revert) {
        guard markets.indices.contains(market) else { throw Revert(reason) }
    }

    /// Adds `market` to `account`'s entered markets (`addToMarketInternal`).
    mutating func join(_ account: Address, market: Int) {
        let index = Int(account.rawValue)
        memberships[index] = (memberships[index] ?? 0) | (1 << UInt64(market))
    }

    /// Accrues `books[market]` to `block` and records the `AccrueInterest` event.
    func accrue(
        _ books: inout [Market], _ market: Int, block: UInt64, ledger: TokenLedger,
        events: inout [Event]
    ) throws(Revert) {
        let cashPrior = cash(of: books[market], in: ledger)
        let (next, interest) = try books[market].accrued(toBlock: block, cash: cashPrior)
        books[market] = next
        if let interest {
            events.append(
                .interestAccrued(
                    market: market, cashPrior: cashPrior, interest: interest,
                    borrowIndex: next.borrowIndex, totalBorrows: next.totalBorrows))
        }
    }

    // MARK: - Mint, redeem, borrow, repay (CToken.sol)

    /// `mintFresh`: cTokens at the exchange rate from before the deposit, truncated.
    mutating func mint(
        _ index: Int, amount: UInt256, minter: Address, block: UInt64,
        ledger: inout TokenLedger, events: inout [Event]
    ) throws(Revert) {
        var books = markets
        var produced: [Event] = []
        try accrue(&books, index, block: block, ledger: ledger, events: &produced)
        let exchangeRate = try books[index].exchangeRate(cash: cash(of: books[index], in: ledger))
        let terms = books[index].configuration
        try ledger.requireBalance(of: terms.underlying, minter, atLeast: amount)
        let minted = try Checked.mulDiv(amount, .wad, exchangeRate)
        books[index].totalSupply = try Checked.sum(books[index].totalSupply, minted)
        let balance = try Checked.sum(tokens(of: minter, market: index), minted)

        markets = books
        accountTokens[index][Int(minter.rawValue)] = balance
        ledger.move(terms.underlying, from: minter, to: terms.cToken, amount: amount)
        events += produced
        events.append(.minted(market: index, minter: minter, amount: amount, tokens: minted))
    }

    /// `redeemFresh`: one of `tokens` or `amount` is zero. The Comptroller refuses a
    /// redeem that leaves an entered account in shortfall.
    mutating func redeem(
        _ index: Int, tokens tokensIn: UInt256, amount amountIn: UInt256, redeemer: Address,
        block: UInt64, ledger: inout TokenLedger, events: inout [Event]
    ) throws(Revert) {
        var books = markets
        var produced: [Event] = []
        try accrue(&books, index, block: block, ledger: ledger, events: &produced)
        let cash = cash(of: books[index], in: ledger)
        let exchangeRate = try books[index].exchangeRate(cash: cash)
        let redeemTokens: UInt256
        let redeemAmount: UInt256
        if !tokensIn.isZero {
            redeemTokens = tokensIn
            redeemAmount = try Checked.mulDiv(exchangeRate, tokensIn, .wad)
        } else {
            redeemTokens = try Checked.mulDiv(amountIn, .wad, exchangeRate)
            redeemAmount = amountIn
        }
        if isMember(redeemer, market: index) {
            let change = LiquidityChange(market: index, redeemTokens: redeemTokens)
            try requireNoShortfall(
                redeemer, books: books, ledger: ledger, change: change,
                rejection: "RedeemComptrollerRejection")
        }
        guard cash >= redeemAmount else { throw Revert("RedeemTransferOutNotPossible") }
        books[index].totalSupply = try Checked.difference(books[index].totalSupply, redeemTokens)
        let balance = try Checked.difference(tokens(of: redeemer, market: index), redeemTokens)
        guard !redeemTokens.isZero || redeemAmount.isZero else {
            throw Revert("redeemTokens zero")
        }

        markets = books
        accountTokens[index][Int(redeemer.rawValue)] = balance
        let terms = books[index].configuration
        ledger.move(terms.underlying, from: terms.cToken, to: redeemer, amount: redeemAmount)
        events += produced
        events.append(
            .redeemed(market: index, redeemer: redeemer, amount: redeemAmount, tokens: redeemTokens)
        )
    }

    /// `borrowFresh` with `borrowAllowed`: enters the market if needed, needs a price and
    /// no shortfall with the new borrow counted, and enough cash.
    mutating func borrow(
        _ index: Int, amount: UInt256, borrower: Address, block: UInt64,
        ledger: inout TokenLedger, events: inout [Event]
    ) throws(Revert) {
        var books = markets
        var produced: [Event] = []
        try accrue(&books, index, block: block, ledger: ledger, events: &produced)
        let entering = !isMember(borrower, market: index)
        guard !(try underlyingPrice(books[index])).isZero else {
            throw Revert("BorrowComptrollerRejection(PRICE_ERROR)")
        }
        try requireNoShortfall(
            borrower, books: books, ledger: ledger,
            change: LiquidityChange(market: index, borrowAmount: amount),
            rejection: "BorrowComptrollerRejection")
        guard cash(of: books[index], in: ledger) >= amount else {
            throw Revert("BorrowCashNotAvailable")
        }
        let owed = try Checked.sum(borrowBalance(of: borrower, in: books[index], index), amount)
        books[index].totalBorrows = try Checked.sum(books[index].totalBorrows, amount)

        if entering { join(borrower, market: index) }
        markets = books
        accountBorrows[index][Int(borrower.rawValue)] = BorrowSnapshot(
            principal: owed, interestIndex: books[index].borrowIndex)
        let terms = books[index].configuration
        ledger.move(terms.underlying, from: terms.cToken, to: borrower, amount: amount)
        events += produced
        if entering { events.append(.marketEntered(market: index, account: borrower)) }
        events.append(
            .borrowed(
                market: index, borrower: borrower, amount: amount, accountBorrows: owed,
                totalBorrows: books[index].totalBorrows))
    }

    /// `repayBorrowFresh` for the caller's own borrow.
    mutating func repayBorrow(
        _ index: Int, amount: UInt256, payer: Address, block: UInt64,
        ledger: inout TokenLedger, events: inout [Event]
    ) throws(Revert) {
        var books = markets
        var produced: [Event] = []
        try accrue(&books, index, block: block, ledger: ledger, events: &produced)
        let repay = try repaid(
            index, amount: amount, payer: payer, borrower: payer, books: &books, ledger: ledger)

        markets = books
        store(repay, books: books, ledger: &ledger)
        events += produced
        events.append(repay.event)
    }

    /// A repayment checked and priced but not stored: the borrow after, and the event.
    struct Repayment {
        var market: Int
        var payer: Address
        var borrower: Address
        var amount: UInt256
        var snapshot: BorrowSnapshot
        var event: Event
    }

    /// The repayment of `amount` (`UInt256.max`: the whole borrow) of `borrower`'s borrow
    /// by `payer`, applied to `books`; reverts if the payer is short or repays too much.
    func repaid(
        _ index: Int, amount: UInt256, payer: Address, borrower: Address,
        books: inout [Market], ledger: TokenLedger
    ) throws(Revert) -> Repayment {
        let owed = borrowBalance(of: borrower, in: books[index], index)
        let repay = amount == .max ? owed : amount
        try ledger.requireBalance(of: books[index].configuration.underlying, payer, atLeast: repay)
        let owedAfter = try Checked.difference(owed, repay)
        books[index].totalBorrows = try Checked.difference(books[index].totalBorrows, repay)
        let snapshot = BorrowSnapshot(principal: owedAfter, interestIndex: books[index].borrowIndex)
        let event = Event.repaid(
            market: index, payer: payer, borrower: borrower, amount: repay,
            accountBorrows: owedAfter, totalBorrows: books[index].totalBorrows)
        return Repayment(
            market: index, payer: payer, borrower: borrower, amount: repay, snapshot: snapshot,
            event: event)
    }

    /// Stores a checked repayment: the borrow snapshot and the transfer to the cToken.
    mutating func store(_ repay: Repayment, books: [Market], ledger: inout TokenLedger) {
        accountBorrows[repay.market][Int(repay.borrower.rawValue)] = repay.snapshot
        let terms = books[repay.market].configuration
        ledger.move(terms.underlying, from: repay.payer, to: terms.cToken, amount: repay.amount)
    }

    /// `borrower`'s borrow in market `index`, read from `market` (a possibly accrued copy).
    func borrowBalance(of account: Address, in market: Market, _ index: Int) -> UInt256 {
        market.borrowBalance(borrowSnapshot(of: account, market: index))
    }

    /// Reverts `<rejection>(PRICE_ERROR)` or `<rejection>(INSUFFICIENT_LIQUIDITY)` unless
    /// `account` has no shortfall with `change` applied.
    func requireNoShortfall(
        _ account: Address, books: [Market], ledger: TokenLedger, change: LiquidityChange,
        rejection: String
    ) throws(Revert) {
        guard
            let liquidity = try hypotheticalLiquidity(
                of: account, markets: books, ledger: ledger, change: change)
        else { throw Revert("\(rejection)(PRICE_ERROR)") }
        guard liquidity.shortfall.isZero else {
            throw Revert("\(rejection)(INSUFFICIENT_LIQUIDITY)")
        }
    }
}
