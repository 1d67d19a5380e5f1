import Foundation

/// A sweep folder being filled: `sweep.json` checked or written, `runs.csv` opened for
/// appending whole lines, and which runs of the slice are already done.
///
/// Crash safety comes from the file's shape: each row is appended with one `write(2)` to a
/// file opened `O_APPEND`, so a process killed at any moment (`kill -9` included) leaves
/// whole rows and at most one cut-off last line, which `open` drops before resuming. A row
/// is written only once its run has finished, so a finished run is never lost.
final class SweepLog {
    let plan: SweepPlan
    let path: String
    /// Runs of the slice in canonical order not yet in `runs.csv`, by slice index.
    private(set) var todo: [Int] = []
    private var done: [Bool]
    private var remaining: [Int]
    private(set) var doneCount = 0
    /// The first whole row found in `runs.csv` when resuming (its newline dropped): the
    /// coordinator runs it again before the rest, so a build that simulates differently
    /// from the one that wrote it cannot add its rows to the other's (`SweepCoordinator`).
    private(set) var witness: (point: Int, seed: UInt64, row: String)?
    private(set) var pointsDone = 0
    let pointsTotal: Int
    private var descriptor: Int32 = -1

    var sliceSize: Int { done.count }

    /// (point, seed) of a slice index.
    func key(of slot: Int) -> (point: Int, seed: UInt64) {
        let unit = slot * plan.shard.count + plan.shard.index - 1
        return (unit / plan.seeds.count, plan.seeds.first + UInt64(unit % plan.seeds.count))
    }

    private init(plan: SweepPlan, path: String) {
        self.plan = plan
        self.path = path
        let size = plan.shard.size(of: plan.runCount)
        done = Array(repeating: false, count: size)
        remaining = Array(repeating: 0, count: plan.pointCount)
        var points = 0
        for slot in 0..<size {
            let point = (slot * plan.shard.count + plan.shard.index - 1) / plan.seeds.count
            if remaining[point] == 0 { points += 1 }
            remaining[point] += 1
        }
        pointsTotal = points
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Prepares `folder` for `plan`: a new folder gets `sweep.json` and a `runs.csv` with
    /// its header; an existing one must hold the same sweep, and its whole rows count as
    /// done.
    static func open(plan: SweepPlan, folder: String) throws(CascadeFailure) -> SweepLog {
        do {
            _ = try RunFolder(path: folder)
        } catch {
            throw .output(error)
        }
        let manifestPath = SweepFolder.join(folder, "sweep.json")
        let runsPath = SweepFolder.join(folder, "runs.csv")
        let manager = FileManager.default
        if let existing = manager.contents(atPath: manifestPath) {
            guard String(decoding: existing, as: UTF8.self) == plan.manifestText else {
                throw CascadeFailure(
                    .badInput,
                    "\(manifestPath) defines another sweep (world, overrides, axes, seeds, "
                        + "shard or Cascade version differ): resume with the same command, or "
                        + "give another --out")
            }
        } else {
            guard !manager.fileExists(atPath: runsPath) else {
                throw CascadeFailure(
                    .badInput,
                    "\(runsPath) exists without sweep.json; give another --out")
            }
            try writeWhole(plan.manifestText, to: manifestPath)
        }
        let log = SweepLog(plan: plan, path: runsPath)
        let header = plan.runsHeader
        if manager.fileExists(atPath: runsPath) {
            var first: (point: Int, seed: UInt64, offset: Int, length: Int)?
            let (found, wholeBytes) = try SweepRows.scan(path: runsPath, displayName: runsPath) {
                point, seed, offset, length throws(CascadeFailure) in
                try log.markDone(point: point, seed: seed, displayName: runsPath)
                if first == nil { first = (point, seed, offset, length) }
            }
            guard found + "\n" == header else {
                throw CascadeFailure(
                    .badInput, "\(runsPath):1: the columns differ from sweep.json's")
            }
            // Drop a cut-off last line (a write interrupted by kill -9).
            if truncate(runsPath, off_t(wholeBytes)) != 0 {
                throw .output(OutputError(path: runsPath, operation: .write, code: errno))
            }
            if let first {
                let row = try readRow(runsPath, offset: first.offset, length: first.length - 1)
                log.witness = (first.point, first.seed, row)
            }
        } else {
            try writeWhole(header, to: runsPath)
        }
        log.descriptor = Foundation.open(runsPath, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard log.descriptor >= 0 else {
            throw .output(OutputError(path: runsPath, operation: .create, code: errno))
        }
        log.todo = log.done.indices.filter { !log.done[$0] }
        return log
    }

    private func slot(point: Int, seed: UInt64) -> Int? {
        guard point >= 0, point < plan.pointCount, seed >= plan.seeds.first,
            seed <= plan.seeds.last
        else { return nil }
        let unit = plan.unit(point: point, seedIndex: Int(seed - plan.seeds.first))
        guard plan.shard.contains(unit) else { return nil }
        return unit / plan.shard.count
    }

    private func markDone(point: Int, seed: UInt64, displayName: String) throws(CascadeFailure) {
        guard let slot = slot(point: point, seed: seed) else {
            throw CascadeFailure(
                .badInput,
                "\(displayName): a row for point \(point) seed \(seed), which is not a run of "
                    + "this sweep\(plan.shard.count > 1 ? " slice" : "")")
        }
        guard !done[slot] else { return }
        done[slot] = true
        doneCount += 1
        remaining[point] -= 1
        if remaining[point] == 0 { pointsDone += 1 }
    }

    /// Appends one whole row (newline included) from a worker, in one `write(2)`.
    func append(_ line: String) throws(CascadeFailure) {
        guard let (point, seed) = SweepRows.key(Array(line.utf8)),
            slot(point: point, seed: seed) != nil
        else {
            throw CascadeFailure(.internalFailure, "a worker sent a malformed row: \(line)")
        }
        let bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return write(descriptor, base + offset, buffer.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                throw .output(OutputError(path: path, operation: .write, code: errno))
            }
            offset += written
        }
        try markDone(point: point, seed: seed, displayName: path)
    }

    /// Appends `line`, a row of a run made before any worker started (the slice's witness
    /// run, `SweepCoordinator.recordWitness`), when that run is one of this slice's not yet
    /// done, and takes it off `todo` so no worker runs it again; false, nothing written,
    /// for a run of another slice or one already in the file.
    func appendAhead(_ line: String) throws(CascadeFailure) -> Bool {
        guard let (point, seed) = SweepRows.key(Array(line.utf8)),
            let slot = slot(point: point, seed: seed), !done[slot]
        else { return false }
        try append(line)
        todo.removeAll { $0 == slot }
        return true
    }

    /// `length` bytes of `path` from `offset`, as text.
    private static func readRow(_ path: String, offset: Int, length: Int) throws(CascadeFailure)
        -> String
    {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CascadeFailure(.badInput, "\(path): cannot read")
        }
        defer { try? handle.close() }
        do {
            try handle.seek(toOffset: UInt64(offset))
            let bytes = try handle.read(upToCount: length) ?? Data()
            return String(decoding: bytes, as: UTF8.self)
        } catch {
            throw CascadeFailure(.badInput, "\(path): cannot read: \(error.localizedDescription)")
        }
    }

    static func writeWhole(_ text: String, to path: String) throws(CascadeFailure) {
        do {
            let file = try PendingFile(path: path)
            try file.write(text)
            try file.commit()
        } catch {
            throw .output(error)
        }
    }
}
