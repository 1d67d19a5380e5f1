/// A strict CSV table for data files (hourly prices, gas tables), with line numbers in
/// every error.
///
/// Rules: UTF-8; a header row is required and its names must be distinct and non-empty;
/// fields are separated by `,`; rows end with `\n` or `\r\n`, the last one optionally;
/// every row has as many fields as the header; no blank lines; no quoting (data files
/// hold numbers and simple names). Cells are read as exact decimals, integers or strings,
/// so prices stay exact.
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
        let names = header.text.split(separator: ",", omittingEmptySubsequences: false)
            .map(String.init)
        for (offset, name) in names.enumerated() {
            let column = CSVTable.column(of: offset, in: header.text)
            if name.isEmpty || names[..<offset].contains(name) {
                throw WorldError(
                    file: displayName, line: 1, column: column,
                    message: name.isEmpty
                        ? "empty column name in the header"
                        : "duplicate column \(JSONSerializer.quoted(name))")
            }
        }
        columns = names
        var rows: [CSVRow] = []
        for (number, line) in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == names.count else {
                throw WorldError(
                    file: displayName, line: number, column: 1,
                    message: line.isEmpty
                        ? "blank line"
                        : "expected \(names.count) fields like the header, found \(fields.count)")
            }
            rows.append(
                CSVRow(
                    table: displayName, columns: names, fields: fields.map(String.init),
                    line: number,
                    fieldColumns: (0..<fields.count).map { CSVTable.column(of: $0, in: line) }))
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
                column: columnOfHeader(offset), message: message)
        }
    }

    private func columnOfHeader(_ offset: Int) -> Int {
        1 + columns[..<offset].reduce(0) { $0 + $1.unicodeScalars.count + 1 }
    }

    /// The 1-based column (in scalars) where field `offset` of `line` starts.
    static func column(of offset: Int, in line: Substring) -> Int {
        var column = 1
        var seen = 0
        for scalar in line.unicodeScalars {
            if seen == offset { break }
            if scalar == "," { seen += 1 }
            column += 1
        }
        return column
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
