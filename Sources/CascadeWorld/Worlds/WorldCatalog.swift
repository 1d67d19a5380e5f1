import Foundation

/// Finds world files: a path as given, or the name of a bundled world in `worlds/`.
///
/// Bundled worlds are looked for, in order, in `$CASCADE_WORLDS`, in `./worlds`, and in the
/// `worlds/` folder of the source tree the binary was built in (the nearest folder above
/// the executable with a `Package.swift`), so `cascade run black-thursday-2020` works from the
/// repository and from anywhere with `CASCADE_WORLDS` set.
public enum WorldCatalog {
    /// One bundled world.
    public struct Entry: Sendable {
        public var name: String
        public var path: String
    }

    /// The folders searched for bundled worlds, most specific first; only existing ones.
    public static func searchFolders() -> [String] {
        var folders: [String] = []
        if let configured = ProcessInfo.processInfo.environment["CASCADE_WORLDS"],
            !configured.isEmpty
        {
            folders.append(configured)
        }
        folders.append("worlds")
        if let sourceTree = sourceTree() {
            folders.append(sourceTree.appendingPathComponent("worlds").path)
        }
        var seen: [String] = []
        var kept: [String] = []
        for folder in folders {
            // Compare by absolute path, but keep the folder as written so messages show
            // `worlds/x.json` rather than a long absolute path.
            let standard = URL(fileURLWithPath: folder).standardizedFileURL.path
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: standard, isDirectory: &isFolder),
                isFolder.boolValue, !seen.contains(standard)
            {
                seen.append(standard)
                kept.append(folder)
            }
        }
        return kept
    }

    /// The package the binary was built in: the nearest folder above the executable that
    /// holds a `Package.swift`. The build folder's depth varies (`.build/release` is a
    /// link to `.build/<triple>/release`, and the path resolves through it), so the
    /// ancestors are searched rather than a fixed number of levels up.
    static func sourceTree() -> URL? {
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
            .resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            if FileManager.default.fileExists(
                atPath: folder.appendingPathComponent("Package.swift").path)
            {
                return folder
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { break }
            folder = parent
        }
        return nil
    }

    /// The bundled worlds of the first folder that has any, sorted by name.
    public static func bundled() -> [Entry] {
        for folder in searchFolders() {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            // By name, not file name: `black-thursday-2020` before `…-2020-spell`.
            let worlds = names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }
                .sorted()
            if !worlds.isEmpty {
                return worlds.map { name in Entry(name: name, path: folder + "/" + name + ".json") }
            }
        }
        return []
    }

    /// The file for `nameOrPath`: an existing path as given, else a bundled world's name.
    public static func locate(_ nameOrPath: String) throws(WorldError) -> String {
        if FileManager.default.fileExists(atPath: nameOrPath) {
            return nameOrPath
        }
        let looksLikePath = nameOrPath.contains("/") || nameOrPath.hasSuffix(".json")
        if !looksLikePath, let entry = bundled().first(where: { $0.name == nameOrPath }) {
            return entry.path
        }
        let names = bundled().map(\.name)
        var message =
            looksLikePath
            ? "no such world file"
            : "no world file or bundled world named '\(nameOrPath)'"
        if !looksLikePath {
            message +=
                names.isEmpty
                ? " (no bundled worlds found; set CASCADE_WORLDS to the worlds/ folder)"
                : "; bundled worlds: \(names.joined(separator: ", "))"
        }
        throw WorldError(file: nameOrPath, message: message)
    }
}
