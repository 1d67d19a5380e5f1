import Foundation

/// `cascade merge DIR... --out DIR`: joins the slices of one sweep (`--shard K/N` runs,
/// or any folders of the same sweep) into the files a single-machine sweep writes:
/// `sweep.json` (with `"shard": "1/1"`), `runs.csv` in canonical order, `points.csv` and
/// `report.html`, byte for byte the same.
public enum SweepMerge {
    public static func run(inputs: [String], out: String?) throws(CascadeFailure) -> String {
        guard let out, !out.isEmpty else {
            throw CascadeFailure(.badInput, "--out DIR is required: the merged sweep's folder")
        }
        // One folder named twice (`s1 s1`, or `s1` and `./s1/`) adds nothing but a wrong
        // count: most likely another slice was meant.
        let resolved = inputs.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        for (index, path) in resolved.enumerated() {
            if let earlier = resolved[..<index].firstIndex(of: path) {
                throw CascadeFailure(
                    .badInput,
                    "\(inputs[index]) is the folder \(inputs[earlier]) again; name each slice "
                        + "once")
            }
        }
        var manifests: [SweepManifest] = []
        for input in inputs {
            let manifest = try SweepManifest.read(folder: input)
            if let first = manifests.first, first.textWithoutShard != manifest.textWithoutShard {
                throw CascadeFailure(
                    .badInput,
                    "\(SweepFolder.join(input, "sweep.json")) defines another sweep than "
                        + "\(SweepFolder.join(inputs[0], "sweep.json")) (only the shard may "
                        + "differ between slices)")
            }
            manifests.append(manifest)
        }
        guard let manifest = manifests.first else {
            throw CascadeFailure(.badInput, "merge: no sweep folders given")
        }
        var assembly = SweepAssembly(
            seeds: manifest.seeds, pointCount: manifest.pointCount, shard: .whole,
            header: manifest.runsHeader)
        for input in inputs {
            let runs = SweepFolder.join(input, "runs.csv")
            guard FileManager.default.fileExists(atPath: runs) else {
                throw CascadeFailure(.badInput, "\(runs): no such file")
            }
            try assembly.add(path: runs, displayName: runs)
        }
        let unchecked = try SweepWitness.check(
            folders: inputs, manifest: manifest, assembly: assembly)
        if let missing = assembly.firstMissing {
            throw CascadeFailure(
                .badInput,
                "the folders hold \(manifest.runCount - assembly.missing) of the sweep's "
                    + "\(manifest.runCount) runs; missing \(assembly.missing), the first point "
                    + "\(missing.point) seed \(missing.seed). Run (or resume) the missing "
                    + "slices and merge again")
        }
        let merged =
            manifest.text.split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.hasPrefix("  \"shard\": ") ? "  \"shard\": \"1/1\"," : String($0)
            }.joined(separator: "\n")
        do {
            _ = try RunFolder(path: out)
        } catch {
            throw .output(error)
        }
        let manifestPath = SweepFolder.join(out, "sweep.json")
        if let existing = FileManager.default.contents(atPath: manifestPath),
            String(decoding: existing, as: UTF8.self) != merged
        {
            throw CascadeFailure(
                .badInput, "\(manifestPath) defines another sweep; give another --out")
        }
        try SweepLog.writeWhole(merged, to: manifestPath)
        try assembly.writeRuns(to: SweepFolder.join(out, "runs.csv"))
        let mergedManifest = try SweepManifest.read(folder: out)
        try SweepOutputs.write(
            folder: out, axisCount: mergedManifest.axisPaths.count, manifest: mergedManifest)
        let notChecked = unchecked.map {
            "  not checked: \($0) has no \(SweepWitness.fileName) (sliced by an earlier "
                + "Cascade), so nothing shows which build ran it\n"
        }
        return """
            merged \(inputs.count) folder(s): \(manifest.pointCount) point(s), \
            \(manifest.runCount) runs
              wrote \(out)/ (sweep.json, runs.csv, points.csv, report.html)
            \(notChecked.joined())
            """
    }
}
