import CascadeCore
import CascadeTestSupport
import Foundation
import Testing

/// The contract lines of `events.jsonl` (INTERFACE.md's trace table): every mechanism logs
/// its inputs and outputs, so its arithmetic can be redone from the trace alone. Checked on
/// a traced `flash-crash` run cut to 260 minutes with 200 borrowers, long enough to swap,
/// report, poke, bark, kick and take.
@Suite("cascade run --trace: contract events")
struct ContractTraceCLITests {
    /// INTERFACE.md's fields for each contract line type this world produces.
    static let interfaceFields: [String: [String]] = [
        "swap": [
            "pool", "token_in", "token_out", "amount_in", "reserve_in", "reserve_out",
            "amount_out", "fee_bps",
        ],
        "oracle_update": ["oracle", "kind", "value", "source_value", "round", "accepted"],
        "osm_poke": ["oracle", "cur", "nxt", "zzz", "hop"],
        "bark": ["vault", "ilk", "ink", "art", "rate", "spot", "tab", "lot", "auction"],
        "kick": ["auction", "kind", "tab", "lot", "bid", "top", "tic", "end"],
        "take": [
            "auction", "taker", "amt", "max", "price", "top", "tic", "slice", "owe", "tab_after",
            "lot_after",
        ],
    ]

    /// The trace's lines, from a run into a folder of the test's own (`name`): the suite's
    /// tests run in parallel.
    func tracedLines(_ name: String) throws -> [[String: Any]] {
        let folder = try CLIRunner.temporaryFolder(name)
        let outcome = try CLIRunner.run([
            "run", "flash-crash", "--seed", "1", "--set", "duration=\"260m\"", "--set",
            "protocol.borrowers.count=200", "--trace", "--out", folder.path,
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let text = try String(
            contentsOf: folder.appendingPathComponent("events.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try #require(
                JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test("each contract line has INTERFACE.md's fields and follows its successful tx")
    func fieldsAndOrder() throws {
        let lines = try tracedLines("contract-trace-fields")
        var seen: Set<String> = []
        var currentTransaction: (hash: String, success: Bool)?
        for line in lines {
            let type = try #require(line["type"] as? String)
            #expect(line["block"] is Int && line["time_ms"] is Int, "\(line)")
            if type == "tx" {
                currentTransaction = (
                    try #require(line["hash"] as? String), line["status"] as? String == "success"
                )
                continue
            }
            guard let hash = line["tx"] as? String else { continue }  // a race note
            // A contract line belongs to the transaction line just before it, a successful one.
            #expect(currentTransaction?.hash == hash, "\(type) line out of place: \(line)")
            #expect(currentTransaction?.success == true, "an event of a reverted transaction")
            seen.insert(type)
            for field in Self.interfaceFields[type] ?? [] {
                #expect(line[field] != nil, "\(type) lacks \(field): \(line)")
            }
        }
        for type in Self.interfaceFields.keys.sorted() {
            #expect(seen.contains(type), "no \(type) line in the trace")
        }
    }

    @Test("a swap's output and a take's owe can be recomputed from their lines")
    func arithmeticFromTheTrace() throws {
        let lines = try tracedLines("contract-trace-arithmetic")
        let swaps = lines.filter { $0["type"] as? String == "swap" }
        let takes = lines.filter { $0["type"] as? String == "take" }
        #expect(!swaps.isEmpty && !takes.isEmpty)
        func amount(_ line: [String: Any], _ field: String) throws -> UInt256 {
            let text = try #require(line[field] as? String, "\(field) in \(line)")
            return try #require(UInt256(text), "\(field) in \(line)")
        }
        var exactSwaps = 0
        for swap in swaps {
            // Uniswap v2's getAmountOut with the fee in basis points (REFERENCE.md §6). A
            // router swap pays exactly that; a pair's own swap (the flash take's sale) may ask
            // for less, never more (the pair's K check).
            let withFee = try amount(swap, "amount_in") * (10_000 - amount(swap, "fee_bps"))
            let most =
                try (withFee * amount(swap, "reserve_out"))
                / (amount(swap, "reserve_in") * 10_000 + withFee)
            let out = try amount(swap, "amount_out")
            #expect(out <= most, "\(swap)")
            if out == most { exactSwaps += 1 }
        }
        #expect(exactSwaps > 0)
        for take in takes {
            // dss clip.sol: owe = slice · price, unless it was capped at the tab (which the
            // take then clears).
            let owe = try amount(take, "owe")
            let product = try amount(take, "slice") * amount(take, "price")
            let cleared = try amount(take, "tab_after") == .zero
            #expect(owe == product || cleared, "\(take)")
        }
    }
}
