import CascadeWorld
import Foundation

/// A sweep's worker process: `cascade __sweep-worker DIR WORLD P:S...` (hidden; started by
/// `cascade sweep`). It reads `DIR/sweep.json`, runs each (point, seed) in turn with the
/// summary-only run, and writes one whole `runs.csv` row per run to stdout, each with one
/// `write(2)`, so the coordinator can append it as it comes.
///
/// A run that fails writes `!P:S<tab>status<tab>message` instead (status 1 or 2 as the
/// command line would exit), and the worker goes on with the next.
package enum SweepWorker {
    package static func main(folder: String, worldPath: String, units: [String]) -> Int32 {
        let manifest: SweepManifest
        do {
            manifest = try SweepManifest.read(folder: folder)
        } catch {
            emit("!*\t2\t\(error.message)")
            return 2
        }
        var loaded: (point: Int, world: World)?
        for unit in units {
            let parts = unit.split(separator: ":")
            guard parts.count == 2, let point = Int(parts[0]), let seed = UInt64(parts[1]),
                point >= 0, point < manifest.pointCount
            else {
                emit("!\(unit)\t2\tnot a run of this sweep")
                continue
            }
            do throws(CascadeFailure) {
                if loaded?.point != point {
                    loaded = nil
                    let world = try Cascade.loadWorld(
                        worldPath, overrides: manifest.points[point].overrides)
                    guard world.digest == manifest.points[point].digest else {
                        throw CascadeFailure(
                            .badInput,
                            "the world of point \(point) has digest \(world.digest), not "
                                + "\(manifest.points[point].digest) as in sweep.json: the "
                                + "world file changed since the sweep began")
                    }
                    loaded = (point, world)
                }
                guard let world = loaded?.world else { continue }
                let summary = try SummaryRun.summary(world: world, seed: seed)
                emit(row(point: point, seed: seed, summary: summary, manifest: manifest))
            } catch {
                let status = error.kind == .badInput ? 2 : 1
                let message = error.message.replacingOccurrences(of: "\n", with: " | ")
                emit("!\(point):\(seed)\t\(status)\t\(message)")
            }
        }
        return 0
    }

    /// The `runs.csv` row of one run: point, seed, the axis values as shown, the figures.
    static func row(point: Int, seed: UInt64, summary: JSONObject, manifest: SweepManifest)
        -> String
    {
        let overrides = manifest.points[point].overrides
        let axisValues = zip(manifest.axisPaths, overrides.suffix(manifest.axisPaths.count))
            .map { path, override in
                SweepAxis(path: path, values: [String(override.dropFirst(path.count + 1))])
                    .display(0)
            }
        let figures = SweepFigures.flatten(summary)
        let expected = Array(manifest.columns.dropFirst(2 + axisValues.count))
        precondition(
            figures.map(\.name) == expected,
            "the run's summary figures differ from the sweep's columns")
        let values: [OutputValue] =
            [.integer(point), .unsigned(seed)] + axisValues.map { .text($0) }
            + figures.map(\.value)
        return CSVWriter.line(values)
    }

    /// Writes a line (with its newline) to stdout in one system call: a pipe delivers a
    /// write of at most `PIPE_BUF` bytes whole, and longer rows still arrive in order.
    static func emit(_ line: String) {
        var bytes = Array(line.utf8)
        if bytes.last != 0x0A { bytes.append(0x0A) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return write(1, base + offset, buffer.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}
