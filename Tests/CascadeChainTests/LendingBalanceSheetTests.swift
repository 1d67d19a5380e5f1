import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

@testable import CascadeAgents

/// The borrowers' balance sheet the race ledger keeps for `blocks.csv` (per asset, sums of
/// keys re-read only for the accounts a block's events name) against a direct sum over
/// every borrower of the pool's own balances, after every block of a running world.
@Suite("lending balance sheet: kept sums against a sum over every borrower")
struct LendingBalanceSheetTests {
    /// Three accounts on USDC and CRV beside the pools' own liquidity (supplied by custody
    /// addresses that borrow nothing: lenders, never on the sheet): two CRV shorts, both
    /// liquidated when CRV jumps 60%, and a CRV-backed USDC borrower.
    static func accounts() -> [LendingAccountSettings] {
        let usdc = LendingRaceTests.usdc
        let crv = LendingRaceTests.crv
        return [
            LendingAccountSettings(
                name: "deep", collateral: usdc,
                collateralAmount: UInt256(50_000 as UInt64) * UInt256.powerOfTen(6), debt: crv,
                debtAmount: UInt256(85_000 as UInt64) * .wad),
            LendingAccountSettings(
                name: "long", collateral: crv,
                collateralAmount: UInt256(100_000 as UInt64) * .wad, debt: usdc,
                debtAmount: UInt256(12_345 as UInt64) * UInt256.powerOfTen(6)),
        ]
    }

    @Test(
        "after every block each asset's sums are within one base unit per borrower of the direct sum",
        arguments: [LendingPoolKind.aave(.v2), .aave(.v3), .compound])
    func keptSumsMatch(kind: LendingPoolKind) throws {
        let configuration = LendingRaceTests.world(
            keepers: [LendingRaceTests.keeper(0, gwei: 50), LendingRaceTests.keeper(1, gwei: 80)],
            jump: 0.6, kind: kind, extraAccounts: Self.accounts())
        let recorder = BalanceSheetRecorder()
        let world = try ProtocolWorld(configuration, observer: recorder)
        _ = try world.run(until: .minutes(15))
        #expect(recorder.blocks > 50)
        #expect(recorder.mismatches.count == 0, "\(recorder.mismatches.prefix(3))")
        // The sheet was not empty, and lost borrowers as liquidations took collateral.
        #expect(recorder.largestDebt > .zero)
        #expect(recorder.liquidations > 0)
    }
}

/// Feeds a `RaceLedger` as the output sink does and, after each block, compares every
/// pool's kept sums with the pool's balances summed over its borrowers.
final class BalanceSheetRecorder: ProtocolBlockObserver {
    var ledger = RaceLedger()
    var blocks = 0
    var liquidations = 0
    var largestDebt = UInt256.zero
    var mismatches: [String] = []

    func didProduce(
        _ block: BlockResult<ProtocolState.Call, ProtocolState.Event>, state: ProtocolState,
        prices: [CollateralBlockPrices]
    ) {
        ledger.record(block, state: state, marketPrices: [])
        blocks += 1
        liquidations = ledger.totals.liquidations
        let timestamp = UInt64(max(0, block.input.time.milliseconds / 1_000))
        for pool in ledger.lending.pools {
            let reader = pool.reader
            let borrowers: [Address]
            switch reader.kind {
            case .aave: borrowers = state.aavePools[reader.pool].borrowers
            case .compound: borrowers = state.compoundComptrollers[reader.pool].borrowers
            }
            for asset in 0..<reader.assetCount(state) {
                var collateral = UInt256.zero
                var debt = UInt256.zero
                for account in borrowers {
                    if reader.counts(asset, state) {
                        collateral += reader.collateral(
                            of: account, asset: asset, state, at: timestamp)
                    }
                    debt += reader.debt(of: account, asset: asset, state, at: timestamp)
                }
                let sheet = pool.balance
                let keptCollateral =
                    asset < sheet.collateralKeys.count
                    ? reader.collateralAmount(
                        key: sheet.collateralKeys[asset], asset: asset, state, at: timestamp)
                    : .zero
                let keptDebt =
                    asset < sheet.debtKeys.count
                    ? reader.debtAmount(
                        key: sheet.debtKeys[asset], asset: asset, state, at: timestamp) : .zero
                largestDebt = max(largestDebt, keptDebt)
                // Each account's balance rounds once; the sum rounds once more.
                let tolerance = UInt256(UInt64(borrowers.count + 1))
                func apart(_ a: UInt256, _ b: UInt256) -> Bool {
                    (a > b ? a - b : b - a) > tolerance
                }
                if apart(collateral, keptCollateral) || apart(debt, keptDebt) {
                    mismatches.append(
                        "block \(block.input.number) asset \(asset): collateral \(collateral) "
                            + "kept \(keptCollateral), debt \(debt) kept \(keptDebt)")
                }
            }
        }
    }
}
