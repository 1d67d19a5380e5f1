import CascadeCore

/// A mark of one series: the inputs and outputs of its Black-Scholes-Merton valuation, as
/// the trace's `option_mark` event writes them (so anyone can recompute the price).
public struct OptionMark: Hashable, Sendable {
    public var series: OptionSeriesID
    public var kind: OptionKind
    /// Spot and strike, WAD.
    public var spot: Int128
    public var strike: Int128
    /// The surface's volatility for this strike and expiry, the rate, years to expiry.
    public var volatility: Double
    public var rate: Double
    public var years: Double
    /// The mark, WAD per unit (the model price rounded to the nearest).
    public var price: Int128
    public var delta: Double
    public var gamma: Double
    public var vega: Double
    /// Per year.
    public var theta: Double
}

/// One account left negative by a settlement, and who paid its deficit, WAD.
public struct OptionSettlementDeficit: Hashable, Sendable {
    public var account: OptionAccountID
    /// What the insurance fund paid of the deficit, and what it could not (bad debt).
    public var insuranceCover: Int128
    public var badDebt: Int128
}

/// What a liquidation moved, WAD.
public struct OptionLiquidation: Hashable, Sendable {
    public var account: OptionAccountID
    public var liquidator: OptionAccountID
    /// The positions taken over.
    public var positions: [OptionPosition]
    /// Equity and maintenance margin before.
    public var equity: Int128
    public var maintenance: Int128
    /// `Σ ⌊size·mark⌋` of the book taken over (negative for a net short book).
    public var value: Int128
    public var penalty: Int128
    public var insuranceCover: Int128
    public var badDebt: Int128
}

extension OptionsExchange {
    /// What happened, in order.
    public enum Event: Hashable, Sendable {
        case accountOpened(account: OptionAccountID, owner: Address, mode: OptionMarginMode)
        case deposited(account: OptionAccountID, amount: Int128)
        case withdrawn(account: OptionAccountID, amount: Int128)
        case insuranceFunded(amount: Int128)
        case priceUpdated(underlying: OptionUnderlyingID, price: Int128)
        case marked(OptionMark)
        case settlementFixed(series: OptionSeriesID, price: Int128)
        case traded(
            series: OptionSeriesID, buyer: OptionAccountID, seller: OptionAccountID, size: Int128,
            price: Int128, premium: Int128)
        case liquidated(OptionLiquidation)
        case settled(
            series: OptionSeriesID, price: Int128, payoff: Int128, paidToLongs: Int128,
            collectedFromShorts: Int128, toInsurance: Int128, insuranceCover: Int128,
            badDebt: Int128, deficits: [OptionSettlementDeficit])
    }
}
