import CascadeCore

/// A fill between two accounts at a price the venue chose.
public struct PerpTrade: Hashable, Sendable {
    public let market: PerpMarketID
    public let buyer: PerpAccountID
    public let seller: PerpAccountID
    /// Size units, positive.
    public let size: Int128
    /// Fill price, quantums per base unit.
    public let price: Int128
    /// Quantums moved from the buyer to the seller: `size × price / 1e9`, rounded down.
    public let quote: Int128
    /// The market's open interest after the fill, size units.
    public let openInterest: Int128
}

/// One funding payment of a market: its inputs, the rate and the index move.
public struct PerpFundingPayment: Hashable, Sendable {
    public let market: PerpMarketID
    /// The premium index `P` supplied by the oracle, ppm per 8 h.
    public let premiumPpm: Int128
    /// The interest component `I`, ppm per 8 h.
    public let interestPpm: Int128
    /// The rate applied, ppm per 8 h: `P + clamp(I − P, ±clamp)`, then dYdX's cap.
    public let ratePpm: Int128
    public let intervalSeconds: UInt64
    /// The mark price the rate was applied to, quantums per base unit.
    public let price: Int128
    /// What a long pays and a short receives per base unit, quantums × 1e3 (the move of
    /// both funding indices).
    public let paymentPerUnit: Int128
    /// Both indices after the payment.
    public let longIndex: Int128
    public let shortIndex: Int128
    /// Rounding dust swept from the market's funding pool into the insurance fund,
    /// quantums.
    public let dustToInsurance: Int128
}

/// How a position left a liquidated account.
public enum PerpLiquidationKind: String, Hashable, Sendable {
    /// Closed against a liquidator's account at the liquidator's fill price.
    case market
    /// Taken over by the backstop vault at the mark price.
    case backstop
}

/// A liquidation fill (`perp_liquidation` in the trace).
public struct PerpLiquidation: Hashable, Sendable {
    public let kind: PerpLiquidationKind
    public let market: PerpMarketID
    /// The liquidated account.
    public let account: PerpAccountID
    /// The size taken from the account, with its position's sign (−3 ETH for a short).
    public let size: Int128
    public let markPrice: Int128
    /// The account's equity before the liquidation, quantums.
    public let margin: Int128
    /// The account's maintenance margin before the liquidation, quantums.
    public let maintenanceMargin: Int128
    /// Who took the position: the liquidator's account or the backstop vault.
    public let counterparty: PerpAccountID
    public let fillPrice: Int128
    /// Penalty paid to the insurance fund, quantums.
    public let penalty: Int128
    /// The insurance fund's change, quantums: the penalty, or minus the deficit it covered.
    public let insuranceDelta: Int128
}

/// What is left of a backstopped account once its positions are gone.
public struct PerpBackstopSettlement: Hashable, Sendable {
    public let account: PerpAccountID
    /// Equity that went to the backstop vault with the positions, quantums.
    public let marginToVault: Int128
    /// The insurance fund's change: minus the deficit it covered, quantums.
    public let insuranceDelta: Int128
}

/// One auto-deleveraging fill (`adl` in the trace): part of a bankrupt account's position
/// closed against one ranked counterparty.
public struct PerpDeleveraging: Hashable, Sendable {
    public let market: PerpMarketID
    /// The bankrupt account.
    public let account: PerpAccountID
    /// The size closed in this fill, with the bankrupt position's sign.
    public let size: Int128
    public let markPrice: Int128
    /// The bankrupt account's equity before deleveraging, quantums (negative).
    public let margin: Int128
    public let maintenanceMargin: Int128
    /// The deleveraged account (or the backstop vault, when no ranked account could take
    /// the rest).
    public let counterparty: PerpAccountID
    /// The counterparty's rank (`nil` for the backstop fallback).
    public let rankScore: PerpRankScore?
    /// The fill price: the bankruptcy price, or the mark price.
    public let price: Int128
}

/// A deficit left after deleveraging, and who bore it (`socialized_loss` in the trace).
public struct PerpSocializedLoss: Hashable, Sendable {
    public let market: PerpMarketID
    public let account: PerpAccountID
    /// The account's negative equity written off, quantums.
    public let deficit: Int128
    /// The part the insurance fund paid, quantums.
    public let insuranceDraw: Int128
    /// The part charged to open positions through the funding indices, quantums.
    public let socialized: Int128
    /// The part no one could be charged (no open interest left), quantums.
    public let uncovered: Int128
    /// Open interest charged (each side), size units.
    public let openInterest: Int128
    /// Drift's funding bump, quantums per base unit × 1e3.
    public let delta: Int128
    public let longIndex: Int128
    public let shortIndex: Int128
}

extension PerpExchange {
    /// What happened, with inputs and outputs, in the names of INTERFACE.md's trace.
    public enum Event: Hashable, Sendable {
        case accountOpened(account: PerpAccountID, owner: Address, mode: PerpMarginMode)
        case deposited(account: PerpAccountID, amount: Int128)
        case withdrew(account: PerpAccountID, amount: Int128)
        case insuranceFunded(by: Address, amount: Int128)
        case priceUpdated(market: PerpMarketID, price: Int128)
        case volatilitySet(market: PerpMarketID, volatilityPpm: Int128)
        case traded(PerpTrade)
        case funded(PerpFundingPayment)
        case liquidated(PerpLiquidation)
        case backstopSettled(PerpBackstopSettlement)
        case deleveraged(PerpDeleveraging)
        case lossSocialized(PerpSocializedLoss)

        /// The trace's `type`: `funding`, `perp_liquidation`, `adl`, …
        public var traceType: String {
            switch self {
            case .accountOpened: "perp_account"
            case .deposited: "perp_deposit"
            case .withdrew: "perp_withdraw"
            case .insuranceFunded: "insurance_deposit"
            case .priceUpdated: "perp_price"
            case .volatilitySet: "perp_volatility"
            case .traded: "perp_trade"
            case .funded: "funding"
            case .liquidated: "perp_liquidation"
            case .backstopSettled: "backstop_settlement"
            case .deleveraged: "adl"
            case .lossSocialized: "socialized_loss"
            }
        }

        /// The trace's fields in order, values as exact decimal integers in the units
        /// above. INTERFACE.md's fields come first; extra fields follow. Markets appear as
        /// `perp#N`, accounts as their number.
        public var traceFields: [(name: String, value: String)] {
            traceFields(marketName: \.description)
        }

        /// The trace's fields, with markets named by `marketName` (e.g. the market's name).
        public func traceFields(marketName: (PerpMarketID) -> String) -> [(
            name: String, value: String
        )] {
            switch self {
            case .accountOpened(let account, let owner, let mode):
                [
                    ("account", account.description), ("owner", owner.description),
                    ("mode", mode.traceName),
                ]
            case .deposited(let account, let amount), .withdrew(let account, let amount):
                [("account", account.description), ("amount", amount.description)]
            case .insuranceFunded(let by, let amount):
                [("by", by.description), ("amount", amount.description)]
            case .priceUpdated(let market, let price):
                [("market", marketName(market)), ("price", price.description)]
            case .volatilitySet(let market, let volatility):
                [("market", marketName(market)), ("volatility", volatility.description)]
            case .traded(let e):
                [
                    ("market", marketName(e.market)), ("buyer", e.buyer.description),
                    ("seller", e.seller.description), ("size", e.size.description),
                    ("price", e.price.description), ("quote", e.quote.description),
                    ("open_interest", e.openInterest.description),
                ]
            case .funded(let e):
                [
                    ("market", marketName(e.market)), ("premium", e.premiumPpm.description),
                    ("rate", e.ratePpm.description), ("interval_s", String(e.intervalSeconds)),
                    ("payment_per_unit", e.paymentPerUnit.description),
                    ("interest", e.interestPpm.description), ("price", e.price.description),
                    ("long_index", e.longIndex.description),
                    ("short_index", e.shortIndex.description),
                    ("dust_to_insurance", e.dustToInsurance.description),
                ]
            case .liquidated(let e):
                [
                    ("market", marketName(e.market)), ("account", e.account.description),
                    ("size", e.size.description), ("mark_price", e.markPrice.description),
                    ("margin", e.margin.description),
                    ("maintenance_margin", e.maintenanceMargin.description),
                    ("counterparty", e.counterparty.description), ("rank_score", ""),
                    ("kind", e.kind.rawValue), ("fill_price", e.fillPrice.description),
                    ("penalty", e.penalty.description),
                    ("insurance_delta", e.insuranceDelta.description),
                ]
            case .backstopSettled(let e):
                [
                    ("account", e.account.description),
                    ("margin_to_vault", e.marginToVault.description),
                    ("insurance_delta", e.insuranceDelta.description),
                ]
            case .deleveraged(let e):
                [
                    ("market", marketName(e.market)), ("account", e.account.description),
                    ("size", e.size.description), ("mark_price", e.markPrice.description),
                    ("margin", e.margin.description),
                    ("maintenance_margin", e.maintenanceMargin.description),
                    ("counterparty", e.counterparty.description),
                    ("rank_score", e.rankScore?.description ?? ""),
                    ("price", e.price.description),
                ]
            case .lossSocialized(let e):
                [
                    ("market", marketName(e.market)), ("account", e.account.description),
                    ("deficit", e.deficit.description),
                    ("insurance_draw", e.insuranceDraw.description),
                    ("socialized", e.socialized.description),
                    ("uncovered", e.uncovered.description),
                    ("open_interest", e.openInterest.description), ("delta", e.delta.description),
                    ("long_index", e.longIndex.description),
                    ("short_index", e.shortIndex.description),
                ]
            }
        }
    }
}
