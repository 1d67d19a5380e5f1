/// A strict CSV table for data files (hourly prices, gas tables), with line numbers in
/// every error.
///
/// Rules: UTF-8; a header row is required and its names must be distinct and non-empty;
/// fields are separated by `,`; rows end with `\n` or `\r\n`, the last one optionally;
/// every row has as many fields as the header; no blank lines. A field may be quoted as
/// RFC 4180 says (`"a, b"`, a quote inside written `""`), as spreadsheets and pandas write
/// a field holding a comma; a quoted field cannot span lines, and a quote inside an
/// unquoted field is an error. Cells are read as exact decimals, integers or strings, so
/// prices stay exact.
///
///     let table = try CSVTable(file: dataFile)
///     try table.checkColumns(["hour", "close"])         // unknown columns are errors
///     for row in table.rows {
///         let close = try row.decimal("close")           // worlds/data/eth.csv:14:9: ...
///     }
public struct CSVTable: Sendable {
    /// The file's name for messages.
    public let displayName: String
    /// The column names, in file order.
    public let columns: [String]
    /// The data rows, in file order.
    public let rows: [CSVRow]
    /// Where each header name starts (1-based, in scalars), for messages.
    private let headerColumns: [Int]

    /// Parses the bytes of `file`.
    public init(file: DataFile) throws(WorldError) {
        try self.init(bytes: file.bytes, displayName: file.displayName)
    }

    /// Parses `bytes`, naming the file `displayName` in errors.
    public init(bytes: [UInt8], displayName: String) throws(WorldError) {
        self.displayName = displayName
        var lines: [(number: Int, text: Substring)] = []
        var number = 0
        // Split bytes, not Characters: Swift treats "\r\n" as one Character.
        for var line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            if line.last == 0x0D { line = line.dropLast() }
            lines.append((number, Substring(String(decoding: line, as: UTF8.self))))
        }
        if let last = lines.last, last.text.isEmpty, lines.count > 1 { lines.removeLast() }
        guard let header = lines.first, !header.text.isEmpty else {
            throw WorldError(
                file: displayName, line: 1, column: 1,
                message: "the file is empty; expected a header row")
        }
        let headerFields = try CSVTable.fields(
            of: header.text, line: 1, displayName: displayName)
        let names = headerFields.map(\.text)
        for (offset, name) in names.enumerated() {
            let column = headerFields[offset].column
            if name.isEmpty || names[..<offset].contains(name) {
                throw WorldError(
                    file: displayName, line: 1, column: column,
                    message: name.isEmpty
                        ? "empty column name in the header"
                        : "duplicate column \(JSONSerializer.quoted(name))")
            }
        }
        columns = names
        headerColumns = headerFields.map(\.column)
        var rows: [CSVRow] = []
        for (number, line) in lines.dropFirst() {
            guard !line.isEmpty else {
                throw WorldError(file: displayName, line: number, column: 1, message: "blank line")
            }
            let fields = try CSVTable.fields(of: line, line: number, displayName: displayName)
            guard fields.count == names.count else {
                throw WorldError(
                    file: displayName, line: number, column: 1,
                    message: "expected \(names.count) fields like the header, found \(fields.count)"
                )
            }
            rows.append(
                CSVRow(
                    table: displayName, columns: names, fields: fields.map(\.text),
                    line: number, fieldColumns: fields.map(\.column)))
        }
        self.rows = rows
    }

    /// Checks the header has exactly `required` plus any of `optional`; unknown columns
    /// get a suggestion, like unknown keys.
    public func checkColumns(_ required: [String], optional: [String] = []) throws(WorldError) {
        for name in required where !columns.contains(name) {
            throw WorldError(
                file: displayName, line: 1, column: 1,
                message: "missing column \(JSONSerializer.quoted(name))")
        }
        let allowed = required + optional
        for (offset, name) in columns.enumerated() where !allowed.contains(name) {
            var message = "unknown column \(JSONSerializer.quoted(name))"
            if let near = closestKey(to: name, among: allowed) {
                message += "; did you mean \(JSONSerializer.quoted(near))?"
            } else {
                message += "; allowed columns: " + allowed.joined(separator: ", ")
            }
            throw WorldError(
                file: displayName, line: 1,
                column: headerColumns[offset], message: message)
        }
    }

    /// The fields of `line` (line `number` of the file) with the 1-based column, in
    /// scalars, where each starts: split at commas outside quotes, quoted fields unquoted.
    static func fields(of line: Substring, line number: Int, displayName: String)
        throws(WorldError) -> [(text: String, column: Int)]
    {
        var fields: [(text: String, column: Int)] = []
        var scalars = line.unicodeScalars[...]
        var column = 1
        while true {
            let start = column
            var text = String.UnicodeScalarView()
            if scalars.first == "\"" {
                scalars.removeFirst()
                column += 1
                while true {
                    guard let scalar = scalars.popFirst() else {
                        throw WorldError(
                            file: displayName, line: number, column: start,
                            message: "the quoted field has no closing quote on its line "
                                + "(a field cannot span lines)")
                    }
                    column += 1
                    if scalar != "\"" {
                        text.append(scalar)
                    } else if scalars.first == "\"" {
                        scalars.removeFirst()
                        column += 1
                        text.append("\"")
                    } else {
                        break
                    }
                }
                if let next = scalars.first, next != "," {
                    throw WorldError(
                        file: displayName, line: number, column: column,
                        message: "expected a comma after the quoted field, found "
                            + JSONSerializer.quoted(String(next)))
                }
            } else {
                while let scalar = scalars.first, scalar != "," {
                    if scalar == "\"" {
                        throw WorldError(
                            file: displayName, line: number, column: column,
                            message: "a quote inside an unquoted field; quote the whole "
                                + "field and write the quote as \"\"")
                    }
                    text.append(scalar)
                    scalars.removeFirst()
                    column += 1
                }
            }
            fields.append((String(text), start))
            guard scalars.popFirst() != nil else { return fields }
            column += 1
        }
    }
}

/// One data row of a `CSVTable`, read by column name.
public struct CSVRow: Sendable {
    let table: String
    let columns: [String]
    /// The raw fields, in column order.
    public let fields: [String]
    /// The row's 1-based line in the file.
    public let line: Int
    let fieldColumns: [Int]

    /// The raw text of column `name`.
    public func string(_ name: String) throws(WorldError) -> String {
        guard let offset = columns.firstIndex(of: name) else {
            throw WorldError(
                file: table, path: name, line: line,
                message: "no column \(JSONSerializer.quoted(name)) in this file")
        }
        return fields[offset]
    }

    /// Column `name` as an exact decimal.
    public func decimal(_ name: String) throws(WorldError) -> ExactDecimal {
        let text = try string(name)
        guard let value = ExactDecimal(text) else {
            throw error(name, "expected a decimal number, found \(JSONSerializer.quoted(text))")
        }
        return value
    }

    /// Column `name` as a whole number of type `T`.
    public func integer<T: FixedWidthInteger>(_ name: String, _ type: T.Type) throws(WorldError)
        -> T
    {
        let text = try string(name)
        guard let value = ExactDecimal(text)?.integer(T.self) else {
            throw error(name, "expected an integer, found \(JSONSerializer.quoted(text))")
        }
        return value
    }

    /// An error at column `name` of this row.
    public func error(_ name: String, _ message: String) -> WorldError {
        let offset = columns.firstIndex(of: name) ?? 0
        return WorldError(
            file: table, path: name, line: line, column: fieldColumns[offset], message: message)
    }
}
