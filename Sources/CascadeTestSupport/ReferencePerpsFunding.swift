/// A naive model of one perpetual market's funding: every payment is charged to every
/// position at once, exactly, with no index and no rounding.
///
/// `PerpExchange` settles funding lazily through cumulative indices and rounds each
/// settlement against the account. Property tests hold it against this model: an account's
/// funding paid must be this model's exact amount rounded up by less than one quantum per
/// settlement, and the exact amounts of all accounts must sum to zero.
///
/// Amounts owed are in quantums × 1e12 (size units × index units), the exchange's exact
/// scale; positive means owed by the account.
public struct ReferencePerpsFunding: Sendable {
    /// Each account's signed size, by account index.
    public private(set) var sizes: [Int128]
    /// Each account's exact funding owed so far, quantums × 1e12.
    public private(set) var owedExactly: [Int128]

    public init(accounts: Int) {
        sizes = Array(repeating: 0, count: accounts)
        owedExactly = Array(repeating: 0, count: accounts)
    }

    /// `buyer` buys `size` from `seller`.
    public mutating func trade(buyer: Int, seller: Int, size: Int128) {
        sizes[buyer] += size
        sizes[seller] -= size
    }

    /// One funding payment: every long owes, every short is owed, `size × perUnit`.
    public mutating func pay(perUnit: Int128) {
        for account in sizes.indices {
            owedExactly[account] += sizes[account] * perUnit
        }
    }

    /// The sum of every account's exact funding: zero, since longs and shorts balance.
    public var totalOwed: Int128 {
        owedExactly.reduce(0, +)
    }
}
