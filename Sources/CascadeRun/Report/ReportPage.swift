/// One row of the headline table: a figure, its value as printed, and its unit.
package struct HeadlineFigure: Hashable, Sendable {
    package var label: String
    package var value: String
    package var unit: String

    package init(label: String, value: String, unit: String = "") {
        self.label = label
        self.value = value
        self.unit = unit
    }

    /// One row per member of `summary`, in its order, skipping `excluding` (provenance
    /// shown elsewhere). Nested objects (percentiles) become one row,
    /// `p50 3 · p90 7 · max 12`; `null` prints as `–`. Labels are the snake_case keys with
    /// spaces, so the table and `summary.json` name figures alike. A figure's unit comes
    /// from its `<key>_unit` member (which then has no row of its own) or, for the figures
    /// whose unit is documented rather than written, from `documentedUnits`.
    package static func rows(
        from summary: JSONObject, excluding: [String] = [],
        documentedUnits: [(key: String, unit: String)] = documentedUnits
    ) -> [HeadlineFigure] {
        let units = summary.members.compactMap { member -> (String, String)? in
            guard member.key.hasSuffix("_unit"), case .string(let unit) = member.value else {
                return nil
            }
            return (String(member.key.dropLast("_unit".count)), unit)
        }
        return summary.members.compactMap { member in
            guard !excluding.contains(member.key) else { return nil }
            if member.key.hasSuffix("_unit"),
                units.contains(where: { $0.0 + "_unit" == member.key }),
                summary[String(member.key.dropLast("_unit".count))] != nil
            {
                return nil
            }
            let label = member.key.split(separator: "_").joined(separator: " ")
            let unit =
                units.first { $0.0 == member.key }?.1
                ?? documentedUnits.first { $0.key == member.key }?.unit ?? ""
            return HeadlineFigure(label: label, value: displayText(member.value), unit: unit)
        }
    }

    /// Units of summary figures that carry none in the file (docs/outputs.md).
    static let documentedUnits: [(key: String, unit: String)] = [
        ("sim_seconds", "s"), ("liquidation_delay_blocks", "blocks"),
        ("liquidation_delay_seconds", "s"), ("oracle_lag_seconds", "s"),
        ("keeper_incentives", "DAI"), ("insurance_fund_min", "DAI"),
        ("debt_under_auction_end", "DAI"), ("auction_shortfall_market_end", "DAI"),
        ("auction_loss_end", "DAI"),
        ("base_fee_gwei_min", "gwei"), ("base_fee_gwei_max", "gwei"),
        ("base_fee_gwei_last", "gwei"), ("burned_eth", "ETH"), ("tips_eth", "ETH"),
    ]

    /// How a figure reads in the table: numbers with their integer digits grouped by
    /// commas (`4,512,345.67`; files keep plain digits), `null` as `–`.
    package static func displayText(_ value: OutputJSON) -> String {
        switch value {
        case .null: "–"
        case .integer(let integer): grouped(String(integer))
        case .decimal(let decimal): grouped(rounded(decimal.text, fractionDigits: 4))
        case .string(let text): text
        case .object(let object):
            object.members.map { "\($0.key) \(displayText($0.value))" }
                .joined(separator: " · ")
        case .array(let elements): elements.map(displayText).joined(separator: ", ")
        case .double(let double) where double.isFinite && abs(double) < 1e15:
            // Off-chain measurements read better at four decimals; the file keeps all.
            OutputJSON.double((double * 10_000).rounded() / 10_000).serialized(.compact)
        default: value.serialized(.compact)
        }
    }

    /// Decimal text rounded half away from zero to at most `fractionDigits` digits after
    /// the point, trailing zeros trimmed (`-12143.62779900` → `-12143.6278`), on the digits
    /// themselves (no float). The table is for reading; the file keeps every digit.
    static func rounded(_ text: String, fractionDigits: Int) -> String {
        let negative = text.hasPrefix("-")
        let unsigned = negative ? String(text.dropFirst()) : text
        guard let point = unsigned.firstIndex(of: "."),
            unsigned.distance(from: point, to: unsigned.endIndex) - 1 > fractionDigits
        else { return text }
        var digits = Array(unsigned.utf8.filter { $0 != UInt8(ascii: ".") })
        let integerCount = unsigned.distance(from: unsigned.startIndex, to: point)
        let keep = integerCount + fractionDigits
        var roundUp = digits[keep] >= UInt8(ascii: "5")
        digits.removeSubrange(keep...)
        var index = keep - 1
        while roundUp && index >= 0 {
            if digits[index] == UInt8(ascii: "9") {
                digits[index] = UInt8(ascii: "0")
                index -= 1
            } else {
                digits[index] += 1
                roundUp = false
            }
        }
        var integer = String(decoding: digits[..<integerCount], as: UTF8.self)
        if roundUp { integer = "1" + integer }
        var fraction = String(decoding: digits[integerCount...], as: UTF8.self)
        while fraction.last == "0" { fraction.removeLast() }
        let magnitude = fraction.isEmpty ? integer : integer + "." + fraction
        return negative && magnitude != "0" ? "-" + magnitude : magnitude
    }

    /// `-1234567.5` → `-1,234,567.5`; integers below 10 000 stay as they are (`2020`).
    static func grouped(_ number: String) -> String {
        let negative = number.hasPrefix("-")
        let unsigned = negative ? number.dropFirst() : Substring(number)
        let point = unsigned.firstIndex(of: ".") ?? unsigned.endIndex
        let integer = Array(unsigned[..<point])
        guard integer.count > 4 else { return number }
        var result = ""
        for (index, digit) in integer.enumerated() {
            if index > 0 && (integer.count - index) % 3 == 0 { result += "," }
            result.append(digit)
        }
        return (negative ? "-" : "") + result + unsigned[point...]
    }
}

/// `report.html`: one self-contained page — inline CSS and SVG, no scripts, nothing
/// fetched from the network — with the run's provenance, a table of headline figures and
/// the charts in a grid. It prints cleanly (one chart per row, none split across pages).
///
/// ```swift
/// let page = ReportPage(
///     title: "black-thursday-2020 · seed 7",
///     provenance: [("world", "black-thursday-2020"), ("seed", "7"),
///                  ("cascade", "0.6.0"), ("world digest", digest)],
///     headline: HeadlineFigure.rows(from: summary, excluding: ["world", "seed"]),
///     charts: [priceChart, feeChart])
/// try folder.write(page.html(), named: "report.html")
/// ```
///
/// Nothing from the host enters the page (no date, no path), so two runs of one seed give
/// the same bytes.
package struct ReportPage: Sendable {
    package var title: String
    /// Name–value pairs shown under the title: world, seed, version, digest.
    package var provenance: [(name: String, value: String)]
    package var headline: [HeadlineFigure]
    package var charts: [Chart]
    /// Short paragraphs under the table (assumptions, warnings).
    package var notes: [String]

    package init(
        title: String, provenance: [(name: String, value: String)],
        headline: [HeadlineFigure], charts: [Chart], notes: [String] = []
    ) {
        self.title = title
        self.provenance = provenance
        self.headline = headline
        self.charts = charts
        self.notes = notes
    }

    /// The whole page.
    package func html() -> String {
        var page = SVGWriter()
        page.raw("<!DOCTYPE html>\n")
        page.open("html", ["lang": "en"])
        page.raw("\n")
        page.open("head")
        page.raw("\n<meta charset=\"utf-8\">\n")
        page.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        page.element("title", text: "Cascade report: \(title)")
        page.raw("<style>\n\(ReportPage.styleSheet)</style>\n")
        page.close("head")
        page.open("body")
        page.raw("\n")
        writeHeader(into: &page)
        writeHeadline(into: &page)
        writeCharts(into: &page)
        page.open("footer")
        page.raw(
            "Drawn by Cascade. Figures are exact in <code>summary.json</code>, "
                + "<code>blocks.csv</code>, <code>races.csv</code> and <code>auctions.csv</code>; the charts are for "
                + "seeing, the files for computing.")
        page.close("footer")
        page.close("body")
        page.close("html")
        return page.text
    }

    private func writeHeader(into page: inout SVGWriter) {
        page.open("header")
        page.raw("\n")
        page.element("h1", text: title)
        page.open("p", ["class": "provenance"])
        for (index, item) in provenance.enumerated() {
            if index > 0 { page.raw(" <span class=\"sep\">·</span> ") }
            page.element("span", ["class": "name"], text: item.name)
            page.raw(" ")
            page.element("strong", text: item.value)
        }
        page.close("p")
        page.close("header")
    }

    private func writeHeadline(into page: inout SVGWriter) {
        guard !headline.isEmpty || !notes.isEmpty else { return }
        page.open("section", ["class": "headline"])
        page.raw("\n")
        if !headline.isEmpty {
            page.open("table")
            page.raw("\n")
            for figure in headline {
                page.open("tr")
                page.element("th", ["scope": "row"], text: figure.label)
                page.element("td", ["class": "value"], text: figure.value)
                page.element("td", ["class": "unit"], text: figure.unit)
                page.close("tr")
            }
            page.close("table")
        }
        for note in notes {
            page.element("p", ["class": "note"], text: note)
        }
        page.close("section")
    }

    private func writeCharts(into page: inout SVGWriter) {
        page.open("main", ["class": "charts"])
        page.raw("\n")
        for (index, chart) in charts.enumerated() {
            page.open("figure")
            page.raw("\n")
            page.raw(chart.svg(id: "chart\(index + 1)"))
            if let caption = chart.caption {
                page.element("figcaption", text: caption)
            }
            page.close("figure")
        }
        page.close("main")
    }

    static let styleSheet = """
        :root { color-scheme: light; }
        body { margin: 0 auto; max-width: 1360px; padding: 20px 24px 40px;
          font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue',
            Arial, sans-serif;
          color: #222; background: #fff; }
        h1 { font-size: 24px; margin: 0 0 4px; font-weight: 650; }
        .provenance { margin: 0 0 16px; color: #555; font-size: 14px; }
        .provenance strong { color: #222; font-weight: 600; font-variant-numeric: tabular-nums; }
        .provenance .sep { color: #aaa; padding: 0 4px; }
        .headline { margin: 0 0 20px; }
        .headline table { border-collapse: collapse; font-size: 14px; }
        .headline th { text-align: left; font-weight: 500; color: #444; padding: 3px 24px 3px 0; }
        .headline td { padding: 3px 8px 3px 0; font-variant-numeric: tabular-nums; }
        .headline td.value { text-align: right; font-weight: 600; }
        .headline td.unit { color: #666; }
        .headline tr + tr { border-top: 1px solid #eee; }
        .note { color: #555; font-size: 14px; max-width: 80ch; }
        .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr));
          gap: 20px; }
        figure { margin: 0; padding: 8px; border: 1px solid #e6e6e6; border-radius: 6px;
          break-inside: avoid; }
        figure svg { display: block; width: 100%; height: auto; }
        figcaption { font-size: 13px; color: #555; padding: 4px 8px 2px; }
        footer { margin-top: 24px; font-size: 12px; color: #777; }
        @media print {
          body { max-width: none; padding: 0; font-size: 11pt; }
          .charts { display: block; }
          figure { border: none; padding: 0; margin: 0 0 12pt; break-inside: avoid;
            page-break-inside: avoid; }
          footer { display: none; }
        }

        """
}
