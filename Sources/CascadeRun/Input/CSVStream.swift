import Foundation

/// One record of a CSV file: its fields, unquoted, and the line it starts on.
struct CSVRecord {
    var fields: [String]
    var line: Int
}

/// Reads a CSV file record by record, holding one read buffer and one record in memory, so
/// a `blocks.csv` of a million rows reads in the memory of one.
///
/// The dialect is what `CSVWriter` writes (RFC 4180): a header line, fields separated by
/// commas, quoted with doubled inner quotes where needed, lines ending in `\n` (a `\r`
/// before it is dropped). Every record must have one field per column. Errors are bad
/// input naming the file, the line and, where it helps, the column:
/// `out/run/blocks.csv:12: expected 16 fields, found 15`.
///
/// ```swift
/// let csv = try CSVStream(path: path, displayName: "out/run/blocks.csv")
/// let block = try csv.column("block")
/// while let record = try csv.next() { use(record.fields[block]) }
/// ```
final class CSVStream {
    /// The file as messages name it.
    let displayName: String
    /// The header's column names.
    private(set) var columns: [String] = []
    private let descriptor: Int32
    private var buffer: [UInt8]
    private var position = 0
    private var count = 0
    private var atEnd = false
    private var line = 1

    /// Opens `path` and reads its header; `displayName` names the file in errors.
    init(path: String, displayName: String, chunkBytes: Int = 1 << 16) throws(CascadeFailure) {
        self.displayName = displayName
        self.buffer = [UInt8](repeating: 0, count: chunkBytes)
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            let reason = String(cString: strerror(errno))
            throw CascadeFailure(.badInput, "\(displayName): cannot read the file: \(reason)")
        }
        guard let header = try readRecord(), !(header.fields.count == 1 && header.fields[0].isEmpty)
        else {
            throw CascadeFailure(
                .badInput, "\(displayName):1: the file is empty; expected a header")
        }
        for (index, name) in header.fields.enumerated()
        where name.isEmpty || header.fields[..<index].contains(name) {
            throw CascadeFailure(
                .badInput,
                "\(displayName):1: column \(index + 1) of the header: "
                    + (name.isEmpty ? "empty name" : "'\(name)' appears twice"))
        }
        columns = header.fields
    }

    deinit {
        close(descriptor)
    }

    /// The index of a column the file must have.
    func column(_ name: String) throws(CascadeFailure) -> Int {
        guard let index = columns.firstIndex(of: name) else {
            throw CascadeFailure(.badInput, "\(displayName):1: no column '\(name)' in the header")
        }
        return index
    }

    /// The next record, or nil at the end of the file.
    func next() throws(CascadeFailure) -> CSVRecord? {
        guard let record = try readRecord() else { return nil }
        guard record.fields.count == columns.count else {
            throw CascadeFailure(
                .badInput,
                "\(displayName):\(record.line): expected \(columns.count) fields, "
                    + "found \(record.fields.count)")
        }
        return record
    }

    /// A failure naming the file, a record's line and a column, and what was wrong.
    func bad(_ record: CSVRecord, column: Int, expected: String) -> CascadeFailure {
        CascadeFailure(
            .badInput,
            "\(displayName):\(record.line): column \(columns[column]): expected \(expected), "
                + "found '\(record.fields[column])'")
    }

    // MARK: Bytes

    private func nextByte() throws(CascadeFailure) -> UInt8? {
        if position == count {
            guard !atEnd else { return nil }
            try refill()
            if count == 0 { return nil }
        }
        defer { position += 1 }
        return buffer[position]
    }

    private func peekByte() throws(CascadeFailure) -> UInt8? {
        if position == count {
            guard !atEnd else { return nil }
            try refill()
            if count == 0 { return nil }
        }
        return buffer[position]
    }

    private func refill() throws(CascadeFailure) {
        position = 0
        count = 0
        while true {
            let read = buffer.withUnsafeMutableBytes { bytes in
                Foundation.read(descriptor, bytes.baseAddress, bytes.count)
            }
            if read < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                throw CascadeFailure(.badInput, "\(displayName): cannot read the file: \(reason)")
            }
            count = read
            if read == 0 { atEnd = true }
            return
        }
    }

    /// One record (header or row), or nil when the file has no more; a final empty line
    /// ends the file.
    private func readRecord() throws(CascadeFailure) -> CSVRecord? {
        guard try peekByte() != nil else { return nil }
        let start = line
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var wasQuoted = false
        while true {
            guard let byte = try nextByte() else {
                if quoted {
                    throw CascadeFailure(
                        .badInput,
                        "\(displayName):\(start): a quoted field is not closed before the end of the file"
                    )
                }
                break
            }
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if try peekByte() == UInt8(ascii: "\"") {
                        _ = try nextByte()
                        field.append(byte)
                    } else {
                        quoted = false
                    }
                } else {
                    if byte == 0x0A { line += 1 }
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: ","):
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                wasQuoted = false
            case UInt8(ascii: "\""):
                guard field.isEmpty, !wasQuoted else {
                    throw CascadeFailure(
                        .badInput,
                        "\(displayName):\(line): field \(fields.count + 1): a quote inside an "
                            + "unquoted field")
                }
                quoted = true
                wasQuoted = true
            case 0x0A:
                line += 1
                if field.last == 0x0D { field.removeLast() }
                fields.append(String(decoding: field, as: UTF8.self))
                return CSVRecord(fields: fields, line: start)
            default:
                field.append(byte)
            }
        }
        fields.append(String(decoding: field, as: UTF8.self))
        return CSVRecord(fields: fields, line: start)
    }
}

/// Reads a text file line by line (`\n`-separated; a `\r` before it is dropped), one read
/// buffer and one line in memory: for `events.jsonl`, which a long traced run makes large.
final class LineStream {
    let displayName: String
    /// The number of the line `next()` returned last, from 1.
    private(set) var lineNumber = 0
    private let descriptor: Int32
    private var buffer: [UInt8]
    private var position = 0
    private var count = 0
    private var atEnd = false

    init(path: String, displayName: String, chunkBytes: Int = 1 << 16) throws(CascadeFailure) {
        self.displayName = displayName
        self.buffer = [UInt8](repeating: 0, count: chunkBytes)
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            let reason = String(cString: strerror(errno))
            throw CascadeFailure(.badInput, "\(displayName): cannot read the file: \(reason)")
        }
    }

    deinit {
        close(descriptor)
    }

    /// The next line's bytes, without its line end; nil at the end of the file.
    func next() throws(CascadeFailure) -> [UInt8]? {
        var line: [UInt8] = []
        var sawAny = false
        while true {
            if position == count {
                if atEnd { break }
                try refill()
                if count == 0 { break }
            }
            sawAny = true
            let slice = buffer[position..<count]
            if let newline = slice.firstIndex(of: 0x0A) {
                line.append(contentsOf: buffer[position..<newline])
                position = newline + 1
                lineNumber += 1
                if line.last == 0x0D { line.removeLast() }
                return line
            }
            line.append(contentsOf: slice)
            position = count
        }
        guard sawAny && !line.isEmpty else { return nil }
        lineNumber += 1
        if line.last == 0x0D { line.removeLast() }
        return line
    }

    private func refill() throws(CascadeFailure) {
        position = 0
        count = 0
        while true {
            let read = buffer.withUnsafeMutableBytes { bytes in
                Foundation.read(descriptor, bytes.baseAddress, bytes.count)
            }
            if read < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                throw CascadeFailure(.badInput, "\(displayName): cannot read the file: \(reason)")
            }
            count = read
            if read == 0 { atEnd = true }
            return
        }
    }
}
