import Foundation

/// Where one `runs.csv` row lies: which file, at which byte, how long (newline included).
struct RowLocation {
    var source: Int32
    var length: Int32
    var offset: Int
}

/// Reads the rows of a `runs.csv` file without keeping them: for each whole line after
/// the header, its offset and length and the `point` and `seed` of its first two fields.
/// A last line without its newline (a write cut short by `kill -9`) is not a row.
enum SweepRows {
    /// Calls `body(point, seed, offset, length)` for every whole row; returns the header
    /// line's fields and the length of the whole lines (where a partial tail starts).
    @discardableResult
    static func scan(
        path: String, displayName: String,
        _ body: (_ point: Int, _ seed: UInt64, _ offset: Int, _ length: Int) throws(CascadeFailure)
            -> Void
    ) throws(CascadeFailure) -> (header: String, wholeBytes: Int) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw CascadeFailure(
                .badInput, "\(displayName): cannot read: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var line: [UInt8] = []
        var offset = 0
        var lineStart = 0
        var header: String?
        var lineNumber = 0
        while true {
            let count = buffer.withUnsafeMutableBytes {
                Foundation.read(descriptor, $0.baseAddress, $0.count)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw CascadeFailure(
                    .badInput, "\(displayName): cannot read: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            for index in 0..<count {
                let byte = buffer[index]
                offset += 1
                if byte != 0x0A {
                    line.append(byte)
                    continue
                }
                lineNumber += 1
                if header == nil {
                    header = String(decoding: line, as: UTF8.self)
                } else {
                    guard let (point, seed) = key(line) else {
                        throw CascadeFailure(
                            .badInput,
                            "\(displayName):\(lineNumber): expected a row starting with point "
                                + "and seed, found '\(String(decoding: line.prefix(60), as: UTF8.self))'"
                        )
                    }
                    try body(point, seed, lineStart, offset - lineStart)
                }
                line.removeAll(keepingCapacity: true)
                lineStart = offset
            }
        }
        guard let header else {
            throw CascadeFailure(.badInput, "\(displayName): no header line")
        }
        return (header, lineStart)
    }

    /// `point` and `seed` from the start of a row (`12,7,...`).
    static func key(_ line: [UInt8]) -> (Int, UInt64)? {
        guard let first = line.firstIndex(of: UInt8(ascii: ",")) else { return nil }
        let rest = line[(first + 1)...]
        let second = rest.firstIndex(of: UInt8(ascii: ",")) ?? line.endIndex
        guard let point = Int(String(decoding: line[..<first], as: UTF8.self)),
            let seed = UInt64(String(decoding: line[(first + 1)..<second], as: UTF8.self))
        else { return nil }
        return (point, seed)
    }

    /// Reads `length` bytes at `offset` of an open file.
    static func read(descriptor: Int32, offset: Int, length: Int, displayName: String)
        throws(CascadeFailure) -> [UInt8]
    {
        var bytes = [UInt8](repeating: 0, count: length)
        var done = 0
        while done < length {
            let count = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return pread(descriptor, base + done, length - done, off_t(offset + done))
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw CascadeFailure(.badInput, "\(displayName): changed while being read")
            }
            done += count
        }
        return bytes
    }
}

/// Writes the sweep's final files from its rows: `runs.csv` in canonical order (point,
/// then seed), then `points.csv` from it.
///
/// Rows are located first (offset and length per run, 16 bytes each) and copied in order
/// with `pread`, so memory holds locations, not rows. The same code orders a finished
/// sweep's own `runs.csv` and joins slices in `cascade merge`, which is why the two write
/// the same bytes.
struct SweepAssembly {
    let seeds: SweepSeeds
    let pointCount: Int
    let shard: SweepShard
    let header: String
    /// Where each run of the slice was found, by its index within the slice.
    private var locations: [RowLocation?]
    private var sources: [(path: String, displayName: String)] = []
    /// The files, by the order they were added, that hold the sweep's first run (point 0,
    /// first seed): `cascade merge` counts their build as checked (`SweepWitness`).
    private(set) var firstRunHolders: [Int] = []

    init(seeds: SweepSeeds, pointCount: Int, shard: SweepShard, header: String) {
        self.seeds = seeds
        self.pointCount = pointCount
        self.shard = shard
        self.header = header
        locations = Array(repeating: nil, count: shard.size(of: pointCount * seeds.count))
    }

    /// The slice index of (point, seed), or nil when it is not in the slice or the sweep.
    func slot(point: Int, seed: UInt64) -> Int? {
        guard point >= 0, point < pointCount, seed >= seeds.first, seed <= seeds.last else {
            return nil
        }
        let unit = point * seeds.count + Int(seed - seeds.first)
        guard shard.contains(unit) else { return nil }
        return unit / shard.count
    }

    /// Locates the rows of one `runs.csv`. A run found twice must be the same bytes (the
    /// same run, deterministic); otherwise the files are not of one sweep.
    mutating func add(path: String, displayName: String) throws(CascadeFailure) {
        let source = Int32(sources.count)
        sources.append((path, displayName))
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        defer { if descriptor >= 0 { close(descriptor) } }
        var copy = self
        let (fileHeader, _) = try SweepRows.scan(path: path, displayName: displayName) {
            point, seed, offset, length throws(CascadeFailure) in
            guard let slot = copy.slot(point: point, seed: seed) else {
                throw CascadeFailure(
                    .badInput,
                    "\(displayName): a row for point \(point) seed \(seed), which is not a run "
                        + "of this sweep\(copy.shard.count > 1 ? " slice" : "")")
            }
            let location = RowLocation(source: source, length: Int32(length), offset: offset)
            if point == 0 && seed == copy.seeds.first { copy.firstRunHolders.append(Int(source)) }
            if let earlier = copy.locations[slot] {
                let first = try copy.bytes(earlier)
                let second = try SweepRows.read(
                    descriptor: descriptor, offset: offset, length: length,
                    displayName: displayName)
                guard first == second else {
                    throw CascadeFailure(
                        .badInput,
                        "\(displayName): point \(point) seed \(seed) appears twice with "
                            + "different figures; the files are not of one sweep and build")
                }
                return
            }
            copy.locations[slot] = location
        }
        guard fileHeader + "\n" == header else {
            throw CascadeFailure(
                .badInput,
                "\(displayName):1: its columns differ from the sweep's (sweep.json)")
        }
        self = copy
    }

    private func bytes(_ location: RowLocation) throws(CascadeFailure) -> [UInt8] {
        let source = sources[Int(location.source)]
        let descriptor = open(source.path, O_RDONLY | O_CLOEXEC)
        defer { close(descriptor) }
        return try SweepRows.read(
            descriptor: descriptor, offset: location.offset, length: Int(location.length),
            displayName: source.displayName)
    }

    /// The sweep's first run's row (without its newline) and the file it was read from,
    /// when the slice holds it and a file had it.
    func firstRun() throws(CascadeFailure) -> (row: String, displayName: String)? {
        guard let slot = slot(point: 0, seed: seeds.first), let location = locations[slot] else {
            return nil
        }
        let bytes = try bytes(location)
        return (
            String(decoding: bytes.dropLast(), as: UTF8.self),
            sources[Int(location.source)].displayName
        )
    }

    /// Runs of the slice not found in any file.
    var missing: Int { locations.reduce(0) { $0 + ($1 == nil ? 1 : 0) } }

    /// The first missing run, as (point, seed), for messages.
    var firstMissing: (point: Int, seed: UInt64)? {
        guard let slot = locations.firstIndex(where: { $0 == nil }) else { return nil }
        let unit = slot * shard.count + shard.index - 1
        return (unit / seeds.count, seeds.first + UInt64(unit % seeds.count))
    }

    /// Writes `runs.csv` at `path` (atomically) in canonical order. Every run must be
    /// found.
    func writeRuns(to path: String) throws(CascadeFailure) {
        precondition(missing == 0, "writing an incomplete runs.csv")
        let descriptors = sources.map { open($0.path, O_RDONLY | O_CLOEXEC) }
        defer { descriptors.forEach { if $0 >= 0 { close($0) } } }
        do {
            let file = try PendingFile(path: path)
            try file.write(header)
            for location in locations {
                guard let location else { continue }
                let source = Int(location.source)
                let bytes = try SweepRows.read(
                    descriptor: descriptors[source], offset: location.offset,
                    length: Int(location.length), displayName: sources[source].displayName)
                try file.write(String(decoding: bytes, as: UTF8.self))
            }
            try file.commit()
        } catch let error as OutputError {
            throw .output(error)
        } catch let error as CascadeFailure {
            throw error
        } catch {
            throw CascadeFailure(.internalFailure, "\(error)")
        }
    }
}

/// `points.csv`: one row per point with the statistics of each numeric figure over its
/// seeds, read from a canonical `runs.csv` one point at a time (memory: one point's rows).
enum SweepPoints {
    /// The header: `point`, the axis columns, `runs`, then `<figure>_<statistic>`.
    static func columns(runsColumns: [String], axisCount: Int) -> [String] {
        let axes = Array(runsColumns[2..<(2 + axisCount)])
        let figures = runsColumns[(2 + axisCount)...].filter {
            !SweepFigures.textColumns.contains($0)
        }
        return ["point"] + axes + ["runs"]
            + figures.flatMap { figure in SweepStatistics.names.map { figure + "_" + $0 } }
    }

    /// Reads `runsPath` (canonical) and writes `pointsPath` atomically.
    static func write(runsPath: String, pointsPath: String, axisCount: Int)
        throws(CascadeFailure)
    {
        let csv = try CSVStream(path: runsPath, displayName: runsPath)
        let runsColumns = csv.columns
        let figureIndices = runsColumns.indices.filter {
            $0 >= 2 + axisCount && !SweepFigures.textColumns.contains(runsColumns[$0])
        }
        do {
            let file = try PendingFile(path: pointsPath)
            let writer = try CSVWriter(
                sink: file, header: columns(runsColumns: runsColumns, axisCount: axisCount))
            var current: [[String]] = []
            func flush() throws(OutputError) {
                guard let first = current.first else { return }
                var row: [OutputValue] = [.text(first[0])]
                row += first[2..<(2 + axisCount)].map { .text($0) }
                row.append(.integer(current.count))
                for index in figureIndices {
                    row += SweepStatistics.row(current.map { $0[index] })
                }
                try writer.writeRow(row)
                current.removeAll(keepingCapacity: true)
            }
            while let record = try csv.next() {
                if let first = current.first, first[0] != record.fields[0] {
                    try flush()
                }
                current.append(record.fields)
            }
            try flush()
            try file.commit()
        } catch let error as OutputError {
            throw .output(error)
        } catch let error as CascadeFailure {
            throw error
        } catch {
            throw CascadeFailure(.internalFailure, "\(error)")
        }
    }
}

/// Paths in a sweep folder.
package enum SweepFolder {
    package static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}
