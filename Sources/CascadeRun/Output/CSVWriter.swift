/// Writes a CSV file row by row: the header fixed at creation, every row checked against it.
///
/// The dialect is RFC 4180 with `\n` line ends (what pandas, R and Python's `csv` write and
/// read by default): fields are separated by commas, and a field is quoted only when it
/// holds a comma, a double quote, a line break, or leading or trailing spaces; quotes inside
/// are doubled. Numbers are never quoted, so readers infer numeric columns. Values print as
/// `OutputValue` says; an absent value is an empty cell.
///
/// Rows go to the sink one line at a time; the sink buffers (see `PendingFile`), so memory
/// stays flat however many rows there are.
///
/// ```swift
/// let csv = try CSVWriter(sink: file, header: ["block", "base_fee_wei", "price_ETH"])
/// try csv.writeRow([.unsigned(1), .decimal(baseFee, scale: 0), .decimal(price, scale: 18)])
/// ```
package final class CSVWriter {
    /// The column names, in order.
    package let header: [String]
    /// Rows written so far, the header not counted.
    package private(set) var rowCount = 0
    private let sink: any TextSink

    /// Writes the header line at once. Column names must be unique and non-empty.
    package init(sink: any TextSink, header: [String]) throws(OutputError) {
        precondition(!header.isEmpty, "a CSV file needs at least one column")
        for (index, name) in header.enumerated() {
            precondition(!name.isEmpty, "empty column name")
            precondition(!header[..<index].contains(name), "column \(name) appears twice")
        }
        self.sink = sink
        self.header = header
        try sink.write(CSVWriter.line(header.map(OutputValue.text)))
    }

    /// Appends one row; it must have one value per column.
    package func writeRow(_ values: [OutputValue]) throws(OutputError) {
        precondition(
            values.count == header.count,
            "row of \(values.count) values for \(header.count) columns")
        try sink.write(CSVWriter.line(values))
        rowCount += 1
    }

    /// One CSV line, `\n` included.
    package static func line(_ values: [OutputValue]) -> String {
        var line = ""
        for (index, value) in values.enumerated() {
            if index > 0 { line += "," }
            line += field(value)
        }
        line += "\n"
        return line
    }

    /// One field as it appears in the file, quoted if it must be.
    package static func field(_ value: OutputValue) -> String {
        guard let text = value.plainText else { return "" }
        return needsQuotes(text) ? quoted(text) : text
    }

    /// Quotes are needed for separators, quotes and line breaks (RFC 4180), and for edge
    /// spaces, which some readers would otherwise strip.
    private static func needsQuotes(_ text: String) -> Bool {
        let utf8 = text.utf8
        if utf8.first == UInt8(ascii: " ") || utf8.last == UInt8(ascii: " ") { return true }
        return utf8.contains { byte in
            byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"")
                || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
        }
    }

    private static func quoted(_ text: String) -> String {
        var result = "\""
        for character in text {
            result.append(character)
            if character == "\"" { result.append("\"") }
        }
        result += "\""
        return result
    }
}
