import Foundation

/// A world file parsed, with overrides applied, ready to decode: the entry point of the
/// reading layer.
///
///     var document = try WorldDocument.load(path: "worlds/black-thursday-2020.json")
///     try document.apply(overrides)                  // each `--set`, before decoding
///     let world = try document.reader.object()       // strict, typed reading
///     ...
///     let digest = document.digest                   // after decoding: covers data files
///
/// The document keeps the tree as parsed (key order, literal numbers, positions), so the
/// same validation runs on values from the file and from `--set`, and the digest is
/// computed over exactly what the simulation was given.
public struct WorldDocument {
    /// The parsed tree, overrides applied.
    public private(set) var root: JSONValue
    /// The file's name for messages and where its data files are resolved from.
    public let context: ReadingContext

    /// Parses `bytes` as a world named `displayName` (the path as the user gave it).
    public init(
        bytes: [UInt8], displayName: String, folder: String? = nil,
        limits: ParseLimits = .default
    ) throws(WorldError) {
        var parser = JSONParser(bytes: bytes, file: displayName, limits: limits)
        root = try parser.parse()
        context = ReadingContext(displayName: displayName, folder: folder)
    }

    /// Reads and parses the world file at `path`; a missing or unreadable file is a
    /// `WorldError` naming it.
    public static func load(
        path: String, limits: ParseLimits = .default
    ) throws(WorldError) -> WorldDocument {
        let bytes = try readFile(path, limit: limits.maxBytes) { reason in
            WorldError(file: path, message: "cannot read the world file: \(reason)")
        }
        return try WorldDocument(bytes: bytes, displayName: path, limits: limits)
    }

    /// A reader for the root value.
    public var reader: JSONReader {
        JSONReader(value: root, path: .root, context: context)
    }

    /// Applies overrides in order; each error names its override.
    public mutating func apply(_ overrides: [Override]) throws(WorldError) {
        for override in overrides {
            do {
                try override.apply(to: &root)
            } catch {
                var located = error
                located.file = context.displayName
                throw located
            }
        }
    }

    /// The canonical text of the tree (see `JSONSerializer`).
    public var canonicalText: String { JSONSerializer.canonicalText(root) }

    /// The digest of the tree and of every data file read so far (see `WorldDigest`).
    public var digest: WorldDigest {
        WorldDigest(world: root, dataFiles: context.dataFiles)
    }
}

/// The bytes of a data file that a world refers to (`"data": "data/eth-2020-03-12.csv"`).
public struct DataFile: Sendable {
    /// The path as written in the world file.
    public var reference: String
    /// The path used to open it and to name it in messages (`worlds/data/eth.csv`).
    public var displayName: String
    /// The file's contents.
    public var bytes: [UInt8]
}

extension JSONReader {
    /// Reads a data file named by this string value, relative to the world file's folder
    /// (absolute paths are used as they are), and records it for the world digest.
    ///
    /// A missing or unreadable file is an error at this value naming both files:
    /// `worlds/x.json:9:13: market.path: cannot read data file "worlds/data/eth.csv": no
    /// such file`.
    public func dataFile(limit: Int = ParseLimits.default.maxBytes) throws(WorldError)
        -> DataFile
    {
        let reference = try nonEmptyString()
        let resolved: String
        if reference.hasPrefix("/") || context.folder.isEmpty {
            resolved = reference
        } else if context.folder.hasSuffix("/") {
            resolved = context.folder + reference
        } else {
            resolved = context.folder + "/" + reference
        }
        let bytes = try readFile(resolved, limit: limit) { reason in
            error("cannot read data file \(JSONSerializer.quoted(resolved)): \(reason)")
        }
        let file = DataFile(reference: reference, displayName: resolved, bytes: bytes)
        context.record(file)
        return file
    }
}

/// Reads a whole file, turning every failure into a short reason for `makeError`.
func readFile(
    _ path: String, limit: Int, _ makeError: (String) -> WorldError
) throws(WorldError) -> [UInt8] {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
        throw makeError("no such file")
    }
    guard !isFolder.boolValue else { throw makeError("it is a folder, not a file") }
    guard let handle = FileHandle(forReadingAtPath: path) else {
        throw makeError("permission denied or unreadable")
    }
    defer { try? handle.close() }
    let data: Data
    do {
        data = try handle.readToEnd() ?? Data()
    } catch {
        throw makeError("read failed")
    }
    guard data.count <= limit else {
        throw makeError("the file is \(data.count) bytes; the limit is \(limit)")
    }
    return [UInt8](data)
}
