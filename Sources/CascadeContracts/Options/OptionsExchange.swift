import CascadeCore

/// A cash-settled European options exchange with stablecoin collateral: listed series on
/// oracle-priced underlyings, isolated, cross and portfolio margin, liquidation, an
/// insurance fund and settlement at expiry, in exact integer arithmetic (WAD).
///
/// It follows the margin designs of the on-chain and crypto option venues (Deribit's
/// standard and portfolio margin, Paradex's published grid, Lyra/Derive's cash-settled
/// European series; REFERENCE.md §8) and prices with the generalised Black-Scholes-Merton
/// model on a volatility surface with skew (`BlackScholes`, `VolatilitySurface`).
/// `docs/model/options.md` gives every formula and its source.
///
/// **Books.** Amounts are WAD of the stablecoin (1e18 = $1), sizes WAD of the underlying.
/// Each account holds `collateral ≥ 0`; equity is `collateral + Σ ⌊size·mark⌋` (shorts
/// negative). What the exchange owes its accounts and fund is what it holds plus what it
/// could not collect: `Σ collateral + insuranceFund = netDeposits + badDebt` (checked by
/// `checkInvariants`). Every rounding is in the exchange's favour: premiums a buyer pays
/// and shorts' payoffs round up, longs' payoffs and marked values round down, and
/// requirements round up; the settlement remainder goes to the insurance fund.
///
/// **What is `Double`.** Prices, Greeks and stress-grid losses are computed in `Double`
/// through `OptionMath` (IEEE `+ − × ÷ √` only), then rounded into WAD: the same inputs give
/// the same integers on every machine. No balance is ever `Double`.
///
/// **When equity runs out**: below maintenance margin, `liquidate` moves every position of
/// the account to a liquidator's account at the mark, with a penalty from what is left;
/// a negative balance (after liquidation or settlement) is covered by the insurance fund,
/// and what the fund cannot cover is `badDebt`.
///
/// **Reverts** leave the value unchanged: a call runs on a copy that replaces `self` only
/// on success (copy-on-write copies the arrays a call writes: O(accounts + series)).
public struct OptionsExchange: Contract, Hashable, Sendable {
    /// Who may do what, and the margin rules.
    public struct Configuration: Hashable, Sendable {
        /// The only caller of `updatePrice`.
        public var oracle: Address
        /// The venue's matching engine: may fill a trade between any two accounts.
        public var matcher: Address
        public var margin: OptionMarginTerms

        public init(oracle: Address, matcher: Address, margin: OptionMarginTerms = .init()) {
            self.oracle = oracle
            self.matcher = matcher
            self.margin = margin
        }
    }

    public internal(set) var configuration: Configuration
    public internal(set) var underlyings: [OptionUnderlying] = []
    public internal(set) var series: [OptionSeries] = []
    public internal(set) var accounts: [OptionAccount] = []
    /// The insurance fund, WAD; never negative.
    public internal(set) var insuranceFund: Int128 = 0
    /// Stablecoin the exchange holds: deposits and insurance top-ups minus withdrawals.
    public internal(set) var netDeposits: Int128 = 0
    /// Deficits neither the account nor the fund could pay, WAD.
    public internal(set) var badDebt: Int128 = 0
    /// Running totals for the outputs.
    public internal(set) var liquidationCount = 0
    public internal(set) var insurancePaid: Int128 = 0

    /// The stress grid the configuration describes (derived, not state).
    public let grid: RiskGrid

    public init(configuration: Configuration) {
        let terms = configuration.margin
        precondition(
            terms.maintenanceFactorPpm > 0 && terms.maintenanceFactorPpm <= 1_000_000,
            "maintenance factor must be in (0, 100%]")
        precondition(terms.shortRatePpm >= 0 && terms.shortMinimumPpm >= 0)
        precondition(terms.contingencyPpm >= 0 && terms.liquidationPenaltyPpm >= 0)
        self.configuration = configuration
        grid = .portfolio(terms.grid)
    }

    // MARK: - Setup (governance)

    /// Adds an underlying; returns its id. Its spot is 0 until the oracle's first update.
    public mutating func addUnderlying(_ underlying: OptionUnderlying) -> OptionUnderlyingID {
        precondition(underlyings.count < Int(UInt16.max))
        underlyings.append(underlying)
        return OptionUnderlyingID(rawValue: UInt16(underlyings.count - 1))
    }

    /// Lists a series; returns its id. Precondition: a known underlying, a positive strike.
    public mutating func addSeries(_ new: OptionSeries) -> OptionSeriesID {
        precondition(Int(new.underlying.rawValue) < underlyings.count, "unknown underlying")
        precondition(new.strike > 0, "strike must be positive")
        series.append(new)
        return OptionSeriesID(series.count - 1)
    }

    /// Opens an account for `owner` (also the `.openAccount` call).
    public mutating func openAccount(owner: Address, mode: OptionMarginMode) -> OptionAccountID {
        switch mode {
        case .cross(let underlying), .portfolio(let underlying):
            precondition(Int(underlying.rawValue) < underlyings.count, "unknown underlying")
        case .isolated: break
        }
        accounts.append(OptionAccount(owner: owner, mode: mode, collateral: 0, positions: []))
        return OptionAccountID(accounts.count - 1)
    }

    // MARK: - Reading

    public var accountCount: Int { accounts.count }

    public func account(_ id: OptionAccountID) -> OptionAccount { accounts[Int(id.rawValue)] }

    public func series(_ id: OptionSeriesID) -> OptionSeries { series[Int(id.rawValue)] }

    public func underlying(_ id: OptionUnderlyingID) -> OptionUnderlying {
        underlyings[Int(id.rawValue)]
    }

    /// Every series id, in order.
    public var seriesIDs: [OptionSeriesID] { series.indices.map { OptionSeriesID($0) } }

    /// Accounts liquidatable now, in id order (O(accounts · positions · scenarios); keepers
    /// use an index instead).
    public func liquidatableAccounts(now: UInt64) -> [OptionAccountID] {
        var table = RiskTable(exchange: self, now: now)
        return accounts.indices.compactMap { index in
            let id = OptionAccountID(index)
            guard !accounts[index].positions.isEmpty else { return nil }
            return margin(of: id, table: &table).isLiquidatable ? id : nil
        }
    }
}
