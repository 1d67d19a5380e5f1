import CascadeContracts
import CascadeCore

/// One borrower's share of a pool's balance sheet: for one asset, its collateral key (zero
/// when the asset does not count as collateral) and its debt key (`LendingPoolReader`'s
/// units: Aave's scaled balances, Compound's cTokens and normalised principal).
struct LendingHolding: Hashable, Sendable {
    var asset: Int
    var collateral: UInt256
    var debt: UInt256
}

/// A lending pool's borrowers taken together: per asset, the sums of their collateral and
/// debt keys, kept exactly as accounts change (`LendingRaceLedger.Pool.noteHoldings`).
///
/// **Who counts.** An account counts while it owes something in some asset: its collateral
/// then backs debt. A supplier that borrows nothing lends to the pool; its deposits are the
/// pool's liabilities, not collateral, and stay out. Only assets that count as collateral
/// (a non-zero liquidation threshold or collateral factor) add to the collateral side.
///
/// **Why keys.** A key does not move with interest (the index, the exchange rate or the
/// borrow index does), so a block costs O(assets) — sum × the asset's index — however many
/// borrowers there are; only the accounts a block's events name are re-read.
struct LendingBalanceSheet: Sendable {
    var collateralKeys: [UInt256] = []
    var debtKeys: [UInt256] = []
    /// Per account id, the holdings it adds to the sums (empty: it owes nothing).
    var holdings: [[LendingHolding]] = []

    /// Replaces account `id`'s holdings with `new`, keeping the sums exact.
    mutating func replace(_ id: Int, with new: [LendingHolding]) {
        while holdings.count <= id { holdings.append([]) }
        for old in holdings[id] {
            collateralKeys[old.asset] -= old.collateral
            debtKeys[old.asset] -= old.debt
        }
        for holding in new {
            while collateralKeys.count <= holding.asset {
                collateralKeys.append(.zero)
                debtKeys.append(.zero)
            }
            collateralKeys[holding.asset] += holding.collateral
            debtKeys[holding.asset] += holding.debt
        }
        holdings[id] = new
    }
}

extension LendingPoolReader {
    /// `account`'s holdings for the balance sheet: per asset with a non-zero collateral
    /// (counting assets only) or debt key; empty when it owes nothing.
    func holdings(of account: Address, _ state: ProtocolState) -> [LendingHolding] {
        var found: [LendingHolding] = []
        var owes = false
        for asset in 0..<assetCount(state) {
            let key = key(of: account, LendingPair(collateral: asset, debt: asset), state)
            let collateral = counts(asset, state) ? key.collateral : .zero
            guard !collateral.isZero || !key.debt.isZero else { continue }
            owes = owes || !key.debt.isZero
            found.append(LendingHolding(asset: asset, collateral: collateral, debt: key.debt))
        }
        return owes ? found : []
    }

    /// A sum of collateral keys of `asset` in underlying base units at `timestamp`: Aave's
    /// `rayMul(scaled, normalizedIncome)`, Compound's `tokens · exchangeRateStored / 1e18`.
    func collateralAmount(key: UInt256, asset: Int, _ state: ProtocolState, at timestamp: UInt64)
        -> UInt256
    {
        guard !key.isZero else { return .zero }
        switch kind {
        case .aave:
            return rayMul(
                key, state.aavePools[pool].reserves[asset].normalizedIncome(at: timestamp))
        case .compound:
            guard
                let rate = try? state.compoundComptrollers[pool].exchangeRateStored(
                    market: asset, ledger: state.ledger)
            else { return .zero }
            return UInt256.mulDiv(key, rate, .wad)
        }
    }

    /// A sum of debt keys of `asset` in base units at `timestamp`: Aave's
    /// `rayMul(scaled, normalizedDebt)`, Compound's `normalised · borrowIndex / 1e36`.
    func debtAmount(key: UInt256, asset: Int, _ state: ProtocolState, at timestamp: UInt64)
        -> UInt256
    {
        guard !key.isZero else { return .zero }
        switch kind {
        case .aave(let version):
            return rayMul(
                key,
                state.aavePools[pool].reserves[asset].normalizedDebt(
                    at: timestamp, version: version))
        case .compound:
            return UInt256.mulDiv(
                key, state.compoundComptrollers[pool].markets[asset].borrowIndex,
                Self.normalisedScale)
        }
    }
}

extension RaceLedger {
    /// Lending worlds, after the latest block: the borrowers' collateral at market value
    /// and their debt, summed over every pool, in the races' unit (`totals.badDebtUnit`:
    /// the one debt asset, else USD) — `collateral` with 36 decimals, `debt` with 45, as
    /// `blocks.csv` prints Maker's. Market reference prices where the relay has them, else
    /// the pool's oracle. O(assets) per pool.
    ///
    /// The sums are taken over keys before interest is applied to each account, so they
    /// may differ from the accounts' own balances summed by a few base units per account.
    public func lendingBalanceSheet(at timeMs: Int64, state: ProtocolState)
        -> (collateral: UInt256, debt: UInt256)
    {
        let timestamp = UInt64(max(0, timeMs / 1_000))
        var collateral = UInt256.zero
        var debt = UInt256.zero
        for pool in lending.pools {
            let reader = pool.reader
            let sheet = pool.balance
            var collateralUSD = UInt256.zero
            var debtUSD = UInt256.zero
            var debtUnits = UInt256.zero
            for asset in sheet.collateralKeys.indices {
                let price = pool.marketPrices?[asset] ?? reader.oraclePrice(asset, state)
                let unit = UInt256.powerOfTen(reader.decimals(asset, state))
                let held = reader.collateralAmount(
                    key: sheet.collateralKeys[asset], asset: asset, state, at: timestamp)
                let owed = reader.debtAmount(
                    key: sheet.debtKeys[asset], asset: asset, state, at: timestamp)
                collateralUSD += UInt256.mulDiv(held, price, unit)
                debtUSD += UInt256.mulDiv(owed, price, unit)
                if asset == pool.unitAsset { debtUnits += owed }
            }
            if let unitAsset = pool.unitAsset {
                // Debt in its own units, exact; collateral at the debt's price.
                let decimals = reader.decimals(unitAsset, state)
                let price = pool.marketPrices?[unitAsset] ?? reader.oraclePrice(unitAsset, state)
                debt += debtUnits * UInt256.powerOfTen(45 - decimals)
                collateral += UInt256.mulDiv(
                    collateralUSD, UInt256.powerOfTen(36), max(price, .one))
            } else {
                debt += debtUSD * UInt256.powerOfTen(27)
                collateral += collateralUSD * UInt256.powerOfTen(18)
            }
        }
        return (collateral, debt)
    }
}
