import CascadeWorld
import Foundation

/// A stress battery's worker process: `cascade __stress-worker DIR WORLD P:S...` (hidden;
/// started by `cascade stress` through the sweep coordinator). For each (scenario point,
/// seed) it runs the stressed world exactly as `cascade run WORLD --seed S --set ...` would,
/// into `DIR/tmp/P-S/`, computes the integrity measures from that folder's `summary.json`,
/// `blocks.csv` and `races.csv`, removes the folder and writes one `runs.csv` row to stdout
/// (the sweep worker's protocol: one `write(2)` per row, `!P:S<tab>status<tab>message` for a
/// failed run).
package enum StressWorker {
    package static func main(folder: String, worldPath: String, units: [String]) -> Int32 {
        let manifest: SweepManifest
        do {
            manifest = try SweepManifest.read(folder: folder)
        } catch {
            SweepWorker.emit("!*\t2\t\(error.message)")
            return 2
        }
        for unit in units {
            let parts = unit.split(separator: ":")
            guard parts.count == 2, let point = Int(parts[0]), let seed = UInt64(parts[1]),
                point >= 0, point < manifest.pointCount
            else {
                SweepWorker.emit("!\(unit)\t2\tnot a run of this stress battery")
                continue
            }
            do throws(CascadeFailure) {
                let measures = try run(
                    point: point, seed: seed, manifest: manifest, folder: folder,
                    worldPath: worldPath)
                SweepWorker.emit(
                    CSVWriter.line([.integer(point), .unsigned(seed)] + measures.values))
            } catch {
                let status = error.kind == .badInput ? 2 : 1
                let message = error.message.replacingOccurrences(of: "\n", with: " | ")
                SweepWorker.emit("!\(point):\(seed)\t\(status)\t\(message)")
            }
        }
        return 0
    }

    /// One stressed run and its measures; the run's folder is removed afterwards.
    static func run(
        point: Int, seed: UInt64, manifest: SweepManifest, folder: String, worldPath: String
    ) throws(CascadeFailure) -> StressMeasures {
        let overrides = manifest.points[point].overrides
        let depth = try venueDepth(worldPath: worldPath, overrides: overrides)
        let runFolder = SweepFolder.join(folder, "tmp/\(point)-\(seed)")
        let manager = FileManager.default
        try? manager.removeItem(atPath: runFolder)
        defer { try? manager.removeItem(atPath: runFolder) }
        let request = try RunRequest(
            world: worldPath, seed: String(seed), out: runFolder, overrides: overrides,
            trace: false, check: false)
        _ = try Cascade.run(request)
        func read(_ name: String) throws(CascadeFailure) -> String {
            let path = SweepFolder.join(runFolder, name)
            guard let data = manager.contents(atPath: path) else {
                throw CascadeFailure(.internalFailure, "\(path): the run wrote no such file")
            }
            return String(decoding: data, as: UTF8.self)
        }
        let summary = try read("summary.json")
        let expected = "\"world_digest\": \"\(manifest.points[point].digest)\""
        guard summary.contains(expected) else {
            throw CascadeFailure(
                .badInput,
                "the world of point \(point) is not the one in sweep.json: the world file "
                    + "changed since the battery began")
        }
        return try StressMeasures.compute(
            summary: summary, blocks: try read("blocks.csv"), races: try read("races.csv"),
            venueDepth: depth)
    }

    /// The quoted depth of the venues the stressed world's forced sales meet.
    static func venueDepth(worldPath: String, overrides: [String]) throws(CascadeFailure)
        -> ExactDecimal?
    {
        do throws(WorldError) {
            var document = try WorldDocument.load(path: worldPath)
            var parsed: [Override] = []
            for text in overrides { parsed.append(try Override(parsing: text)) }
            try document.apply(parsed)
            return StressWorldShape(document.root).venueDepth
        } catch {
            throw .badInput(error)
        }
    }
}
