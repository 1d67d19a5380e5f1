import Foundation
import Testing

@testable import CascadeRun

/// The report names things as the run's protocol does: a lending or perpetuals run is not
/// drawn in Maker's words (OSM, DAI, auctions).
@Suite("Report: the run's protocol vocabulary")
struct ReportVocabularyTests {
    static func summary(_ members: [(String, OutputJSON)]) -> JSONObject {
        var object = JSONObject()
        for (key, value) in members { object.append(key, value) }
        return object
    }

    static let maker = summary([("auctions", .integer(3)), ("bad_debt_unit", .string("DAI"))])
    static let lending = summary([("bad_debt_unit", .string("CRV"))])
    static let perps = summary([("bad_debt_unit", .string("USDC")), ("perp_traders", .integer(9))])
    static let makerAndPerps = summary([
        ("bad_debt_unit", .string("USD")), ("perp_traders", .integer(9)),
    ])

    @Test("the protocols are read from summary.json")
    func protocols() {
        let cases: [(JSONObject, Bool, Bool, Bool, String)] = [
            (Self.maker, true, false, false, "DAI"),
            (JSONObject(), true, false, false, "DAI"),  // a run before bad_debt_unit existed
            (Self.lending, false, true, false, "USD"),
            (Self.perps, false, false, true, "USDC"),
            (Self.makerAndPerps, true, false, true, "USD"),
        ]
        for (summary, maker, lending, perps, priceUnit) in cases {
            let vocabulary = ReportVocabulary(summary: summary)
            #expect(vocabulary.hasMaker == maker)
            #expect(vocabulary.hasLending == lending)
            #expect(vocabulary.hasPerps == perps)
            #expect(vocabulary.priceUnit == priceUnit)
        }
    }

    @Test("a lending run's charts speak of the pool, in the debt's unit, with no fund")
    func lendingCharts() {
        let vocabulary = ReportVocabulary(summary: Self.lending)
        let layout = ReportLayout(durationHours: 8)
        let price = ProtocolCharts.price(
            ReportAsset(name: "CRV"), layout: layout, vocabulary: vocabulary)
        #expect(price.y.unit == "USD per CRV")
        #expect(price.layers.count == 2)  // market and oracle: no auction markers
        #expect(!(price.caption ?? "").contains("OSM"))
        let debt = ProtocolCharts.badDebtAndFund(ReportBlocks(), vocabulary: vocabulary)
        #expect(debt.y.unit == "CRV")
        #expect(debt.layers.count == 1)
        #expect(debt.title == "Bad debt")
        #expect(vocabulary.figuresNotApplying.contains("auctions"))
        #expect(vocabulary.figuresNotApplying.contains("insurance_fund_min"))
    }

    @Test("a perps run keeps its fund, in USDC, and drops Maker's figures")
    func perpsFigures() {
        let vocabulary = ReportVocabulary(summary: Self.perps)
        #expect(vocabulary.fundName == "insurance fund")
        #expect(!vocabulary.figuresNotApplying.contains("insurance_fund_min"))
        #expect(vocabulary.figuresNotApplying.contains("keeper_incentives"))
        #expect(vocabulary.documentedUnits.contains { $0 == ("insurance_fund_min", "USDC") })
        #expect(vocabulary.documentedUnits.contains { $0 == ("perp_insurance_paid", "USDC") })
        #expect(!vocabulary.documentedUnits.contains { $0.key == "perp_adl_fills" })
        let rows = HeadlineFigure.rows(
            from: Self.summary([
                ("insurance_fund_min", .integer(5)), ("keeper_incentives", .integer(0)),
            ]),
            excluding: vocabulary.figuresNotApplying,
            documentedUnits: vocabulary.documentedUnits)
        #expect(rows == [HeadlineFigure(label: "insurance fund min", value: "5", unit: "USDC")])
    }

    @Test("an options run speaks of the exchange's spot, books and fund, not of a pool")
    func optionsCharts() {
        let vocabulary = ReportVocabulary(
            summary: Self.summary([
                ("bad_debt_unit", .string("USDC")), ("options_margin_mode", .string("portfolio")),
            ]))
        #expect(vocabulary.hasOptions && !vocabulary.hasLending && !vocabulary.hasMaker)
        #expect(vocabulary.oracleName == "oracle (the spot the exchange marks from)")
        #expect(!vocabulary.priceCaption.contains("pool"))
        #expect(vocabulary.liquidationNames == ["books liquidated"])
        #expect(vocabulary.fundName == "insurance fund")
        #expect(vocabulary.documentedUnits.contains { $0 == ("options_vault_pnl", "USDC") })
        #expect(vocabulary.figuresNotApplying.contains("auctions"))
    }

    @Test("a Maker run is drawn as before")
    func makerUnchanged() {
        let vocabulary = ReportVocabulary(summary: Self.maker)
        #expect(vocabulary == .maker)
        #expect(vocabulary.figuresNotApplying.isEmpty)
        #expect(vocabulary.liquidationNames == ["liquidations (bite/bark)", "auctions settled"])
    }
}
