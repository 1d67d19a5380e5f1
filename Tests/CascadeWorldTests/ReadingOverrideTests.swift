import Foundation
import Testing

@testable import CascadeWorld

private let world = """
    {
      "seed": 7,
      "chain": {"block_time": "13.2s", "gas_limit": 10000000},
      "protocols": [{"flipper": {"ttl": "10m", "tau": "6h"}}],
      "agents": [{"count": 1}, {"count": 2}, {"count": 3}]
    }
    """

/// The world with `overrides` applied, as canonical text; or the error.
private func applied(_ overrides: [String]) throws -> WorldDocument {
    var document = try WorldDocument(bytes: Array(world.utf8), displayName: "worlds/w.json")
    try document.apply(try overrides.map { text throws(WorldError) in try Override(parsing: text) })
    return document
}

@Suite("Reading: --set overrides")
struct ReadingOverrideTests {
    @Test(arguments: [
        (
            "protocols[0].flipper.ttl=6h", "protocols",
            "[{\"flipper\":{\"ttl\":\"6h\",\"tau\":\"6h\"}}]"
        ),
        ("seed=42", "seed", "42"),
        ("agents[2].count=9", "agents", "[{\"count\":1},{\"count\":2},{\"count\":9}]"),
        ("chain.block_time=12s", "chain", "{\"block_time\":\"12s\",\"gas_limit\":10000000}"),
        ("chain.gas_limit=\"big\"", "chain", "{\"block_time\":\"13.2s\",\"gas_limit\":\"big\"}"),
        ("chain={\"a\":[1,true,null]}", "chain", "{\"a\":[1,true,null]}"),
        (
            "chain.extra=1", "chain",
            "{\"block_time\":\"13.2s\",\"gas_limit\":10000000,\"extra\":1}"
        ),
        ("seed=", "seed", "\"\""),
        ("seed=a=b", "seed", "\"a=b\""),
    ])
    func overridesReplaceValues(text: String, key: String, expected: String) throws {
        let document = try applied([text])
        #expect(document.root.member(key)?.value.description == expected)
    }

    @Test(arguments: [
        ("agents[3].count=1", "index 3 is out of range: agents has 3 elements"),
        ("chain.fees.base=1", "chain.fees does not exist in the world file"),
        ("seed.x=1", "seed is 7, not an object"),
        ("chain[0]=1", "chain is an object, not an array"),
        ("seed", "expected PATH=VALUE"),
        ("=5", "the path is empty"),
        ("a..b=1", "empty key"),
        ("agents[01]=1", "bad index"),
        ("chain.gas_limit=[1,", "looks like JSON but is not valid"),
    ])
    func badOverridesNameTheOverride(text: String, words: String) {
        let error = failure { try applied([text]) }
        #expect(error?.override == text)
        #expect(error?.message.contains(words) == true, "\(error?.description ?? "none")")
        #expect(error?.description.contains("--set \(text): ") == true)
    }

    @Test func overriddenValuesGoThroughTheSameValidation() throws {
        let document = try applied(["chain.block_time=12x"])
        let chain = try document.reader.object().required("chain")
        let error = failure { try chain.object().required("block_time").durationMilliseconds() }
        #expect(
            error?.description
                == "worlds/w.json: --set chain.block_time=12x: chain.block_time: unknown unit "
                + "\"x\" in \"12x\"; use one of \"ms\", \"s\", \"m\", \"h\", \"d\"")
    }

    @Test func unknownKeyFromOverrideSaysSo() throws {
        let document = try applied(["chain.gas_limt=5"])
        let chain = try document.reader.object().required("chain").object()
        _ = chain.optional("block_time")
        _ = chain.optional("gas_limit")
        let error = failure { try chain.finish() }
        #expect(error?.override == "chain.gas_limt=5")
        #expect(error?.message.contains("did you mean \"gas_limit\"") == true)
        #expect(error?.message.contains("added by --set") == true)
    }

    @Test func pathsRoundTrip() throws {
        for text in ["a", "a.b", "a[0].b[12]", "labels[\"eth/usd\"].x", "[3]"] {
            let path = try JSONPath.parse(text).get()
            #expect(path.description == text)
        }
    }
}

@Suite("Reading: digest and canonical text")
struct ReadingDigestTests {
    @Test func digestIsStableAndIgnoresFormatting() throws {
        let compact = try applied([])
        let reformatted = try WorldDocument(
            bytes: Array(compact.canonicalText.utf8), displayName: "other.json")
        #expect(compact.digest == reformatted.digest)
        #expect(compact.digest == (try applied([])).digest)
        #expect(compact.digest.description.count == 32)
    }

    @Test(arguments: [
        "seed=8", "chain.gas_limit=10000001", "chain.gas_limit=1e7",
        "protocols[0].flipper.ttl=10m ", "agents[0]={\"count\":1,\"x\":0}",
    ])
    func anyChangeChangesTheDigest(text: String) throws {
        #expect(try applied([text]).digest != (try applied([])).digest)
    }

    @Test func keyOrderMatters() throws {
        let a = try WorldDocument(bytes: Array("{\"a\":1,\"b\":2}".utf8), displayName: "a")
        let b = try WorldDocument(bytes: Array("{\"b\":2,\"a\":1}".utf8), displayName: "b")
        #expect(a.digest != b.digest)
    }

    @Test func knownVector() {
        // FNV-1a 128 of the empty input is the offset basis.
        #expect(FNV1a128().value == 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d)
        #expect(
            WorldDigest(world: JSONValue(.null)).description
                == WorldDigest(world: JSONValue(.null)).description)
    }

    @Test func dataFilesAreResolvedBesideTheWorldAndDigested() throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("cascade-reading-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("data"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let worldPath = folder.appendingPathComponent("w.json").path
        try Data("{\"data\": \"data/p.csv\", \"missing\": \"data/none.csv\"}".utf8)
            .write(to: URL(fileURLWithPath: worldPath))
        try Data("t,p\n1,2\n".utf8).write(to: folder.appendingPathComponent("data/p.csv"))
        let document = try WorldDocument.load(path: worldPath)
        let before = document.digest
        let object = try document.reader.object()
        let file = try object.required("data").dataFile()
        #expect(file.bytes == Array("t,p\n1,2\n".utf8))
        #expect(document.digest != before)
        let error = failure { try object.required("missing").dataFile() }
        #expect(error?.file == worldPath)
        #expect(error?.path == "missing")
        #expect(error?.message.contains(folder.path + "/data/none.csv") == true)
        #expect(error?.message.contains("no such file") == true)
        let noWorld = failure { try WorldDocument.load(path: folder.path + "/nope.json") }
        #expect(noWorld?.message == "cannot read the world file: no such file")
    }
}

@Suite("Reading: round trip property")
struct ReadingPropertyTests {
    /// SplitMix64, so trees are the same on every run and every Swift version.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    static let numbers = [
        "0", "-0", "1", "-12.5", "1e6", "2.5E-7", "123456789012345678901234567890",
    ]
    static let pieces = ["a", "é", "😀", "\"", "\\", "\n", "\u{1}", "/", " ", "key", "\t"]

    static func randomString(_ generator: inout Generator) -> String {
        (0..<generator.below(5)).map { _ in pieces[generator.below(pieces.count)] }.joined()
    }

    static func randomValue(_ generator: inout Generator, depth: Int) -> JSONValue {
        let kind = depth > 4 ? generator.below(4) : generator.below(6)
        switch kind {
        case 0: return JSONValue(.null)
        case 1: return JSONValue(.bool(generator.below(2) == 0))
        case 2: return JSONValue(.number(numbers[generator.below(numbers.count)]))
        case 3: return JSONValue(.string(randomString(&generator)))
        case 4:
            return JSONValue(
                .array(
                    (0..<generator.below(4)).map { _ in
                        randomValue(&generator, depth: depth + 1)
                    }))
        default:
            var members: [JSONMember] = []
            for index in 0..<generator.below(4) {
                let key = randomString(&generator) + "\(index)"  // unique keys
                members.append(
                    JSONMember(key: key, value: randomValue(&generator, depth: depth + 1)))
            }
            return JSONValue(.object(members))
        }
    }

    @Test func serialisedTreesParseBackEqual() throws {
        for seed in 0..<500 as Range<UInt64> {
            var generator = Generator(state: seed)
            let tree = ReadingPropertyTests.randomValue(&generator, depth: 0)
            let text = JSONSerializer.canonicalText(tree)
            let parsed = try parse(text)
            #expect(parsed == tree, "seed \(seed): \(text)")
            #expect(JSONSerializer.canonicalText(parsed) == text, "seed \(seed)")
        }
    }
}
