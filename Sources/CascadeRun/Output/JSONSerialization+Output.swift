/// How a JSON value is laid out.
package enum JSONStyle: Sendable {
    /// One line, no spaces: `{"block":1,"type":"tx"}`. For `events.jsonl`.
    case compact
    /// Two-space indent, `"key": value`, one member per line, as Python's
    /// `json.dumps(indent=2)`. For `summary.json`.
    case pretty
}

extension OutputJSON {
    /// The value as JSON text (no trailing line break).
    package func serialized(_ style: JSONStyle) -> String {
        var output = ""
        JSONPrinter(style: style).print(self, depth: 0, into: &output)
        return output
    }
}

extension JSONObject {
    /// The object as JSON text (no trailing line break).
    package func serialized(_ style: JSONStyle) -> String {
        OutputJSON.object(self).serialized(style)
    }
}

/// Prints JSON text per RFC 8259, deterministically.
struct JSONPrinter {
    let style: JSONStyle

    func print(_ value: OutputJSON, depth: Int, into output: inout String) {
        switch value {
        case .null: output += "null"
        case .boolean(let boolean): output += boolean ? "true" : "false"
        case .integer(let integer):
            precondition(
                integer.magnitude <= 1 << 53,
                "integer \(integer) beyond 2^53 in JSON: write base units with .baseUnits")
            output += String(integer)
        case .decimal(let decimal): output += decimal.text
        case .double(let double): output += OutputNumberFormat.text(double) ?? "null"
        case .string(let string): JSONPrinter.appendString(string, to: &output)
        case .array(let elements):
            printContainer(
                elements, open: "[", close: "]", depth: depth, into: &output
            ) { element, output in
                print(element, depth: depth + 1, into: &output)
            }
        case .object(let object):
            printContainer(
                object.members, open: "{", close: "}", depth: depth, into: &output
            ) { member, output in
                JSONPrinter.appendString(member.key, to: &output)
                output += style == .pretty ? ": " : ":"
                print(member.value, depth: depth + 1, into: &output)
            }
        }
    }

    private func printContainer<Element>(
        _ elements: [Element], open: String, close: String, depth: Int,
        into output: inout String, printElement: (Element, inout String) -> Void
    ) {
        output += open
        guard !elements.isEmpty else {
            output += close
            return
        }
        for (index, element) in elements.enumerated() {
            if index > 0 { output += "," }
            newline(depth: depth + 1, into: &output)
            printElement(element, &output)
        }
        newline(depth: depth, into: &output)
        output += close
    }

    private func newline(depth: Int, into output: inout String) {
        guard style == .pretty else { return }
        output += "\n"
        output += String(repeating: "  ", count: depth)
    }

    /// A JSON string literal: `"` and `\` escaped, control characters (U+0000–U+001F) as
    /// `\n`, `\t`, ... or `\u00XX`; everything else, non-ASCII included, as UTF-8 unchanged
    /// (RFC 8259 §7 requires no more).
    static func appendString(_ string: String, to output: inout String) {
        output += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16, uppercase: false)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}

/// Writes JSON Lines: one compact object a line (`events.jsonl`), streamed to a buffered
/// sink.
package final class JSONLinesWriter {
    private let sink: any TextSink
    /// Lines written so far.
    package private(set) var lineCount = 0

    package init(sink: any TextSink) {
        self.sink = sink
    }

    /// Appends `object` as one line.
    package func write(_ object: JSONObject) throws(OutputError) {
        try sink.write(object.serialized(.compact) + "\n")
        lineCount += 1
    }
}
