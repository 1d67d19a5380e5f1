import CascadeCore

extension ProtocolState {
    /// Adds an options exchange whose stablecoin is `wiring.quote` (WAD base units), held
    /// at `wiring.custody`; returns its index for `.options(exchange:_:)`. The custody
    /// address must hold exactly the exchange's deposits (none, for a new exchange).
    public mutating func addOptionsExchange(_ exchange: OptionsExchange, wiring: PerpWiring)
        -> Int
    {
        precondition(Int(wiring.quote.rawValue) < ledger.tokenCount, "unknown quote token")
        precondition(
            exchange.netDeposits >= 0
                && UInt128(exchange.netDeposits)
                    == ledger.balance(of: wiring.quote, wiring.custody),
            "the custody address must hold the exchange's deposits")
        optionsExchanges.append(exchange)
        optionsWirings.append(wiring)
        return optionsExchanges.count - 1
    }

    /// Runs an options call and moves the stablecoin it books: a deposit or insurance
    /// top-up from the caller into custody, a withdrawal out of custody. Both balances are
    /// checked before the exchange is written, so a failed transfer never follows a write.
    /// Custody holds the exchange's net deposits; after bad debt the accounts' claims exceed
    /// it, and a withdrawal custody cannot pay reverts (`Options/insolvent`).
    mutating func performOptions(
        _ index: Int, _ call: OptionsExchange.Call, caller: Address, block: BlockContext,
        events: inout [Event]
    ) throws(Revert) {
        guard optionsExchanges.indices.contains(index) else {
            throw Revert("Options/unknown-exchange")
        }
        let wiring = optionsWirings[index]
        var incoming: UInt128 = 0
        var outgoing: UInt128 = 0
        switch call {
        case .deposit(_, let amount), .fundInsurance(let amount):
            guard amount > 0 else { throw Revert("Options/non-positive-amount") }
            incoming = UInt128(amount)
            guard ledger.balance(of: wiring.quote, caller) >= incoming else {
                throw Revert("\(ledger.symbol(of: wiring.quote))/insufficient-balance")
            }
        case .withdraw(_, let amount):
            guard amount > 0 else { throw Revert("Options/non-positive-amount") }
            outgoing = UInt128(amount)
            guard ledger.balance(of: wiring.quote, wiring.custody) >= outgoing else {
                throw Revert("Options/insolvent")
            }
        default:
            break
        }
        var produced: [OptionsExchange.Event] = []
        try optionsExchanges[index].apply(call, caller: caller, block: block, events: &produced)
        do {
            if incoming > 0 {
                try ledger.transfer(
                    wiring.quote, from: caller, to: wiring.custody, amount: incoming)
            }
            if outgoing > 0 {
                try ledger.transfer(
                    wiring.quote, from: wiring.custody, to: caller, amount: outgoing)
            }
        } catch {
            preconditionFailure("options stablecoin transfer failed after its checks: \(error)")
        }
        for event in produced { events.append(.options(exchange: index, event)) }
    }
}
