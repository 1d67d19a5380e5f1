import Foundation

/// The folder one run writes, and the files in it, written whole or not at all.
///
/// Every file is written under a temporary name (see `PendingFile`). `commit()` first
/// finishes all of them, which is where a full disk or a failed write shows up, and only
/// then renames each into place, in the order they were opened. If anything fails before
/// the renames, every temporary is removed and no file of the run takes its final name.
/// (A crash in the middle of the renames can leave some files of the new run beside older
/// ones of a previous run; each of them is still whole.)
///
/// ```swift
/// let folder = try RunFolder(path: RunFolder.defaultPath(world: "black-thursday-2020",
///                                                        seed: 7))
/// let blocks = try folder.csv(named: "blocks.csv", header: ["block", "time_ms"])
/// try blocks.writeRow([.integer(1), .integer(13_200)])
/// try folder.write(summary.serialized(.pretty), named: "summary.json")
/// try folder.commit()
/// ```
package final class RunFolder {
    /// The folder, as given (relative paths stay relative: nothing from the host is added).
    package let path: String
    private var files: [PendingFile] = []
    /// The folders `init` made (innermost last): an abandoned run removes those still
    /// empty, so that a run that failed leaves no empty folder behind.
    private let created: [String]
    private var names: [String] = []

    /// Creates the folder and any missing parents.
    package init(path: String) throws(OutputError) {
        self.path = path
        created = try RunFolder.createFolder(path)
    }

    /// `out/<world>-seed<N>`, the folder a run writes when no `--out` is given.
    package static func defaultPath(world: String, seed: UInt64) -> String {
        "out/\(world)-seed\(seed)"
    }

    /// Opens a file of the run under its temporary name. `name` is a plain file name
    /// (`blocks.csv`), opened once per run.
    package func file(named name: String) throws(OutputError) -> PendingFile {
        precondition(!name.isEmpty && !name.contains("/"), "a run file is a plain name")
        precondition(!names.contains(name), "\(name) opened twice")
        let file = try PendingFile(path: path.hasSuffix("/") ? path + name : path + "/" + name)
        files.append(file)
        names.append(name)
        return file
    }

    /// Opens a CSV file with its header (written at once).
    package func csv(named name: String, header: [String]) throws(OutputError) -> CSVWriter {
        try CSVWriter(sink: file(named: name), header: header)
    }

    /// Opens a JSON Lines file (one compact object a line).
    package func jsonLines(named name: String) throws(OutputError) -> JSONLinesWriter {
        try JSONLinesWriter(sink: file(named: name))
    }

    /// Writes a small file whose whole text is already at hand (`summary.json`,
    /// `report.html`). It still takes its name only at `commit()`.
    package func write(_ text: String, named name: String) throws(OutputError) {
        try file(named: name).write(text)
    }

    /// The files a run may write. After a commit, any of these that this run did not
    /// write is removed, so a folder never mixes one run's `summary.json` with an older
    /// run's `events.jsonl` (say, from an earlier `--trace`).
    package static let outputNames = [
        "summary.json", "blocks.csv", "races.csv", "auctions.csv", "agents.csv",
        "events.jsonl", "report.html",
    ]

    /// Finishes every file opened so far (flushes and closes it, leaving the rename for
    /// `commit()`), so the run can read its own files back before they take their names:
    /// the report is drawn from the files, as `cascade report` draws it. On an error,
    /// removes every temporary and rethrows.
    package func finishFiles() throws(OutputError) {
        do {
            for file in files {
                try file.finish()
            }
        } catch {
            abandon()
            throw error
        }
    }

    /// Where the file `name` of this run can be read now: its temporary while the run is
    /// being written, its real path otherwise.
    package func readablePath(named name: String) -> String {
        if let index = names.firstIndex(of: name), index < files.count {
            return files[index].temporaryPath
        }
        return path.hasSuffix("/") ? path + name : path + "/" + name
    }

    /// Finishes every file, then renames each into place, then removes stale outputs of an
    /// earlier run (see `outputNames`). On an error before the renames, removes every
    /// temporary and rethrows.
    package func commit() throws(OutputError) {
        do {
            for file in files {
                try file.finish()
            }
        } catch {
            abandon()
            throw error
        }
        let written = files.map { ($0.path as NSString).lastPathComponent }
        for file in files {
            try file.commit()
        }
        files.removeAll()
        for name in Self.outputNames where !written.contains(name) {
            let stale = path + "/" + name
            if FileManager.default.fileExists(atPath: stale) {
                try? FileManager.default.removeItem(atPath: stale)
            }
        }
    }

    /// Drops every file not yet committed; earlier files in the folder stay as they were.
    package func abandon() {
        for file in files {
            file.abandon()
        }
        files.removeAll()
        // Innermost first; `rmdir` removes only an empty folder, so one the user put
        // anything in stays, and so do its parents.
        for folder in created.reversed() {
            guard rmdir(folder) == 0 else { break }
        }
    }

    /// `mkdir -p`: creates each missing component of `path`; returns those it created.
    private static func createFolder(_ path: String) throws(OutputError) -> [String] {
        var created: [String] = []
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0 {
                let code = errno
                var status = stat()
                let isFolder =
                    stat(prefix, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
                if code != EEXIST || !isFolder {
                    throw OutputError(path: prefix, operation: .createFolder, code: code)
                }
            } else {
                created.append(prefix)
            }
            prefix += "/"
        }
        return created
    }
}
