import CascadeContracts
import CascadeCore

extension ContractTrace {
    /// An options exchange's trace line: `option_mark` with INTERFACE.md's fields (`option`,
    /// `kind`, `spot`, `strike`, `vol`, `rate`, `t_years`, `price`, `delta`, `gamma`, `vega`,
    /// `theta`), and the exchange's other events. Amounts are WAD as strings of digits;
    /// the model's inputs and outputs that are `Double` (volatility, rate, years, Greeks)
    /// are JSON numbers, so the price can be recomputed from the line.
    static func describeOptions(_ index: Int, _ event: OptionsExchange.Event)
        -> (type: String, fields: [(String, OutputJSON)])
    {
        let exchange: (String, OutputJSON) = ("exchange", .integer(index))
        func wad(_ value: Int128) -> OutputJSON { .baseUnits(signed: value) }
        func id(_ account: OptionAccountID) -> OutputJSON { .integer(Int(account.rawValue)) }
        func series(_ id: OptionSeriesID) -> OutputJSON { .integer(Int(id.rawValue)) }
        switch event {
        case .marked(let mark):
            return (
                "option_mark",
                [
                    exchange, ("option", series(mark.series)),
                    ("kind", .string(mark.kind.rawValue)),
                    ("spot", wad(mark.spot)), ("strike", wad(mark.strike)),
                    ("vol", .double(mark.volatility)), ("rate", .double(mark.rate)),
                    ("t_years", .double(mark.years)), ("price", wad(mark.price)),
                    ("delta", .double(mark.delta)), ("gamma", .double(mark.gamma)),
                    ("vega", .double(mark.vega)), ("theta", .double(mark.theta)),
                ]
            )
        case .accountOpened(let account, let owner, let mode):
            return (
                "option_account_opened",
                [
                    exchange, ("account", id(account)), ("owner", .string(owner.description)),
                    ("mode", .string(mode.name)),
                ]
            )
        case .deposited(let account, let amount):
            return (
                "option_deposit", [exchange, ("account", id(account)), ("amount", wad(amount))]
            )
        case .withdrawn(let account, let amount):
            return (
                "option_withdrawal", [exchange, ("account", id(account)), ("amount", wad(amount))]
            )
        case .insuranceFunded(let amount):
            return ("option_insurance_funded", [exchange, ("amount", wad(amount))])
        case .priceUpdated(let underlying, let price):
            return (
                "option_price",
                [
                    exchange, ("underlying", .integer(Int(underlying.rawValue))),
                    ("price", wad(price)),
                ]
            )
        case .settlementFixed(let option, let price):
            return (
                "option_settlement_price",
                [exchange, ("option", series(option)), ("price", wad(price))]
            )
        case .traded(let option, let buyer, let seller, let size, let price, let premium):
            return (
                "option_trade",
                [
                    exchange, ("option", series(option)), ("buyer", id(buyer)),
                    ("seller", id(seller)), ("size", wad(size)), ("price", wad(price)),
                    ("premium", wad(premium)),
                ]
            )
        case .liquidated(let liquidation):
            return (
                "option_liquidation",
                [
                    exchange, ("account", id(liquidation.account)),
                    ("liquidator", id(liquidation.liquidator)),
                    ("positions", .integer(liquidation.positions.count)),
                    ("equity", wad(liquidation.equity)),
                    ("maintenance_margin", wad(liquidation.maintenance)),
                    ("value", wad(liquidation.value)), ("penalty", wad(liquidation.penalty)),
                    ("insurance_cover", wad(liquidation.insuranceCover)),
                    ("bad_debt", wad(liquidation.badDebt)),
                ]
            )
        case .settled(
            let option, let price, let payoff, let paid, let collected, let toInsurance,
            let cover, let badDebt, _):
            return (
                "option_settlement",
                [
                    exchange, ("option", series(option)), ("price", wad(price)),
                    ("payoff", wad(payoff)), ("paid_to_longs", wad(paid)),
                    ("collected_from_shorts", wad(collected)), ("to_insurance", wad(toInsurance)),
                    ("insurance_cover", wad(cover)), ("bad_debt", wad(badDebt)),
                ]
            )
        }
    }
}
