/// Builds SVG (or HTML) text: elements with attributes in the order given, text escaped,
/// numbers printed with one decimal, so the same drawing is always the same bytes.
struct SVGWriter {
    private(set) var text = ""

    /// `<tag a="1" b="2">`, or `<tag a="1"/>` when `selfClosing`.
    mutating func open(
        _ tag: String, _ attributes: KeyValuePairs<String, String> = [:],
        selfClosing: Bool = false
    ) {
        text += "<" + tag
        for (name, value) in attributes {
            text += " \(name)=\"\(SVGWriter.escape(value))\""
        }
        text += selfClosing ? "/>\n" : ">"
    }

    mutating func close(_ tag: String) {
        text += "</\(tag)>\n"
    }

    /// An element holding only escaped text.
    mutating func element(
        _ tag: String, _ attributes: KeyValuePairs<String, String> = [:],
        text content: String
    ) {
        open(tag, attributes)
        text += SVGWriter.escape(content)
        close(tag)
    }

    /// Markup made elsewhere, appended as is.
    mutating func raw(_ markup: String) {
        text += markup
    }

    /// `&`, `<`, `>`, `"` and `'` as entities: safe in text and in quoted attributes.
    static func escape(_ string: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(string.utf8.count)
        for character in string {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A coordinate with one decimal (a tenth of a pixel is finer than any screen), from
    /// integer arithmetic so no locale or float printing is involved; non-finite as 0.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let tenths = Int((min(max(value, -1e12), 1e12) * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let magnitude = tenths.magnitude
        let fraction = magnitude % 10
        return fraction == 0
            ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(fraction)"
    }
}
