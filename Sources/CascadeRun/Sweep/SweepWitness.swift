import Foundation

/// One build for all the slices: a slice of a sharded sweep keeps `witness.csv`, the
/// columns and the row its build gives the whole sweep's first run (point 0, first seed).
/// A deterministic build gives every slice the same row, on any host; a build that
/// simulates differently gives another (its `run_digest` at least). `cascade merge`
/// compares the witnesses of the folders it joins, and the first run's own row where a
/// folder holds it, so it refuses slices of two builds without running anything.
///
/// Like the resume check it samples one run: a change that alters no figure of the first
/// run goes through (docs/scaling.md).
enum SweepWitness {
    static let fileName = "witness.csv"

    /// The run every slice bears witness with.
    static func unit(seeds: SweepSeeds) -> (point: Int, seed: UInt64) {
        (0, seeds.first)
    }

    /// Checks that the folders' witnesses, and the first run's row where one of them holds
    /// it (`assembly`, built from the folders' `runs.csv` in the same order), are one row.
    /// Returns the folders it could not check: no `witness.csv` (a slice begun before
    /// Cascade kept one) and no first run of their own.
    static func check(
        folders: [String], manifest: SweepManifest, assembly: SweepAssembly
    ) throws(CascadeFailure) -> [String] {
        let unit = unit(seeds: manifest.seeds)
        var reference: (row: String, path: String)?
        var unchecked: [String] = []
        func compare(_ row: String, from path: String) throws(CascadeFailure) {
            guard let known = reference else {
                reference = (row, path)
                return
            }
            guard row == known.row else {
                throw CascadeFailure(
                    .badInput,
                    "\(path): the sweep's first run (point \(unit.point) seed \(unit.seed)) has "
                        + "another row than in \(known.path): the folders were run by builds "
                        + "that simulate differently, and merging would mix their figures; run "
                        + "every slice with one build (the others into new --out folders) and "
                        + "merge again")
            }
        }
        if let first = try assembly.firstRun() {
            try compare(first.row, from: first.displayName)
        }
        for (index, folder) in folders.enumerated() {
            let path = SweepFolder.join(folder, fileName)
            guard let data = FileManager.default.contents(atPath: path) else {
                if !assembly.firstRunHolders.contains(index) { unchecked.append(folder) }
                continue
            }
            let lines = String(decoding: data, as: UTF8.self)
                .split(separator: "\n", omittingEmptySubsequences: false)
            guard lines.count == 3, lines[2].isEmpty,
                String(lines[0]) + "\n" == manifest.runsHeader,
                let key = SweepRows.key(Array(lines[1].utf8)), key == unit
            else {
                throw CascadeFailure(
                    .badInput,
                    "\(path): expected sweep.json's columns and one row, the sweep's first run "
                        + "(point \(unit.point) seed \(unit.seed))")
            }
            try compare(String(lines[1]), from: path)
        }
        return unchecked
    }
}
