import CascadeAgents
import CascadeContracts
import CascadeCore

/// What an options world's outputs need, kept by the protocol sink: per block the
/// exchange's share of the `blocks.csv` protocol columns, over the run the figures of
/// `summary.json` (docs/outputs.md).
struct OptionsFigures {
    var index: OptionsSharedIndex?
    var genesis: ProtocolWorld.OptionsGenesis?
    var mode = ""
    var marks = 0
    var liquidations = 0
    var settlements = 0
    var insuranceFundStart: Int128?
    var insuranceFundMinimum: Int128?
    var insuranceFund: Int128 = 0
    var insurancePaid: Int128 = 0
    var badDebt: Int128 = 0
    var liquidatedValue: Int128 = 0
    var penalties: Int128 = 0
    /// End of run: the vault's and writers' equity, open interest (units).
    var vaultEquityEnd: Int128 = 0
    var writerEquityEnd: Int128 = 0
    var openInterestEnd: Int128 = 0
    /// Negative equity of accounts still holding positions at the end: a loss nobody has
    /// been charged for yet (no liquidator could take the book).
    var openDeficitEnd: Int128 = 0

    /// The block's options columns: accounts at risk, liquidations, collateral (WAD), short
    /// liabilities (WAD), bad debt (WAD), fund (WAD).
    struct BlockColumns {
        var atRisk = 0
        var liquidations = 0
        var collateral: Int128 = 0
        var liabilities: Int128 = 0
        var badDebt: Int128 = 0
        var fund: Int128 = 0
    }

    /// Counts the block's options events and reads its books; `detailed` adds the sums over
    /// accounts that only `blocks.csv` needs.
    mutating func record(
        _ events: [ProtocolState.Event], state: ProtocolState, detailed: Bool
    ) -> BlockColumns? {
        guard let exchange = state.optionsExchanges.first else { return nil }
        var columns = BlockColumns()
        var changed = false
        for event in events {
            guard case .options(0, let optionsEvent) = event else { continue }
            changed = true
            switch optionsEvent {
            case .marked: marks += 1
            case .liquidated(let liquidation):
                columns.liquidations += 1
                liquidatedValue += -liquidation.value
                penalties += liquidation.penalty
            case .settled: settlements += 1
            default: break
            }
        }
        liquidations += columns.liquidations
        insuranceFund = exchange.insuranceFund
        insurancePaid = exchange.insurancePaid
        badDebt = exchange.badDebt
        if insuranceFundStart == nil { insuranceFundStart = exchange.insuranceFund }
        insuranceFundMinimum = min(
            insuranceFundMinimum ?? exchange.insuranceFund, exchange.insuranceFund)
        columns.atRisk = index?.latestAnswer.count ?? 0
        columns.badDebt = exchange.badDebt
        columns.fund = exchange.insuranceFund
        guard detailed else { return columns }
        // Balances and marks change only through the exchange's events: a quiet block
        // has the last block's sums.
        if !changed, let last = lastSums {
            (columns.collateral, columns.liabilities) = last
            return columns
        }
        for raw in 0..<exchange.accountCount {
            let account = exchange.account(OptionAccountID(raw))
            columns.collateral += account.collateral
            for position in account.positions where position.size < 0 {
                columns.liabilities += -exchange.markedValue(of: position)
            }
        }
        lastSums = (columns.collateral, columns.liabilities)
        return columns
    }

    /// The last computed collateral and liability sums.
    private var lastSums: (Int128, Int128)?

    /// The end-of-run equity of the vault and the writers.
    mutating func noteEnd(_ state: ProtocolState, now: UInt64) {
        guard let exchange = state.optionsExchanges.first, let genesis else { return }
        var table = OptionRiskTable(exchange: exchange, now: now)
        vaultEquityEnd = genesis.vaultAccounts.reduce(0) {
            $0 + exchange.margin(of: $1, table: &table).equity
        }
        writerEquityEnd = genesis.writerAccounts.reduce(0) {
            $0 + exchange.margin(of: $1, table: &table).equity
        }
        openInterestEnd = exchange.series.reduce(0) { $0 + $1.openInterest }
        openDeficitEnd = 0
        for raw in 0..<exchange.accountCount {
            let id = OptionAccountID(raw)
            guard !exchange.account(id).positions.isEmpty else { continue }
            let equity = exchange.margin(of: id, table: &table).equity
            if equity < 0 { openDeficitEnd -= equity }
        }
    }
}

extension ProtocolRun {
    /// The options figures of `summary.json` (docs/outputs.md): amounts in USDC, exact.
    /// In an options world `liquidations` and `bad_debt` are the exchange's.
    static func appendOptions(
        to summary: inout JSONObject, configuration: ProtocolWorldConfiguration,
        sink: ProtocolOutputSink
    ) {
        guard let settings = configuration.options else { return }
        let figures = sink.options
        func usdc(_ wad: Int128) -> OutputJSON {
            .decimal(DecimalText(signed: wad, scale: 18))
        }
        summary["bad_debt_unit"] = .string("USDC")
        summary["bad_debt"] = usdc(figures.badDebt)
        summary["liquidations"] = .integer(figures.liquidations)
        summary.append("options_margin_mode", .string(settings.mode.rawValue))
        summary.append("options_surface", .string(settings.surface.isFlat ? "flat" : "skew"))
        summary.append("options_series", .integer(settings.series.count))
        summary.append("options_writers", .integer(figures.genesis?.writers ?? 0))
        summary.append("options_writers_skipped", .integer(figures.genesis?.writersSkipped ?? 0))
        summary.append("options_marks", .integer(figures.marks))
        summary.append("options_liquidations", .integer(figures.liquidations))
        summary.append("options_liquidated_liability", usdc(figures.liquidatedValue))
        summary.append("options_penalties", usdc(figures.penalties))
        summary.append("options_settlements", .integer(figures.settlements))
        summary.append("options_bad_debt", usdc(figures.badDebt))
        summary.append("options_insurance_fund_start", usdc(figures.insuranceFundStart ?? 0))
        summary.append("options_insurance_fund_min", usdc(figures.insuranceFundMinimum ?? 0))
        summary.append("options_insurance_fund_end", usdc(figures.insuranceFund))
        summary.append("options_insurance_paid", usdc(figures.insurancePaid))
        summary.append("options_open_interest_end", usdc(figures.openInterestEnd))
        summary.append("options_open_deficit_end", usdc(figures.openDeficitEnd))
        let vaultCapital = figures.genesis?.vaultCapital ?? 0
        summary.append("options_vault_capital", usdc(vaultCapital))
        summary.append("options_vault_equity_end", usdc(figures.vaultEquityEnd))
        summary.append(
            "options_vault_pnl",
            usdc(
                figures.genesis?.vaultAccounts.isEmpty ?? true
                    ? 0 : figures.vaultEquityEnd - vaultCapital))
        let writerCapital = figures.genesis?.writerCapital ?? 0
        summary.append("options_writer_capital", usdc(writerCapital))
        summary.append("options_writer_equity_end", usdc(figures.writerEquityEnd))
    }
}

extension ProtocolRun {
    /// The headline rows of an options world.
    static func optionsHeadline(_ summary: JSONObject) -> [(String, String)] {
        guard summary["options_liquidations"] != nil else { return [] }
        func figure(_ key: String) -> String {
            summary[key].map(HeadlineFigure.displayText) ?? "–"
        }
        return [
            (
                "options margin",
                "\(figure("options_margin_mode")) on a \(figure("options_surface")) surface, "
                    + "\(figure("options_writers")) writers"
            ),
            (
                "options liquidated",
                "\(figure("options_liquidations")) books, \(figure("options_liquidated_liability")) "
                    + "USDC of short value taken at the mark (penalties "
                    + "\(figure("options_penalties")))"
            ),
            (
                "insurance fund",
                "\(figure("options_insurance_fund_start")) → \(figure("options_insurance_fund_end")) "
                    + "USDC (low \(figure("options_insurance_fund_min")); paid "
                    + "\(figure("options_insurance_paid")))"
            ),
            ("open deficit", "\(figure("options_open_deficit_end")) USDC still in open accounts"),
            (
                "vault",
                "P&L \(figure("options_vault_pnl")) USDC on \(figure("options_vault_capital"))"
            ),
        ]
    }
}
