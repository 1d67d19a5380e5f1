import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

/// The shared lending book against each keeper's own: over random books and price paths
/// (`LendingIndexTests.Book`), keepers that see the blocks late and out of order, rest
/// accounts, skip some and stop at random limits, every query a keeper makes through its
/// `LendingBookView` of one `LendingSharedBook` must return what a private `LendingBook`
/// fed the same blocks returns — the same accounts in the same order, the same active
/// pairs, and the same counts of queries, updates and candidates visited.
@Suite("lending shared book: each keeper's answer equals its own book's")
struct LendingSharedBookTests {
    /// One block of the path: the state after it, its account events, its time.
    struct Block {
        var state: ProtocolState
        var events: [ProtocolState.Event]
        var number: UInt64
        var timestamp: UInt64
    }

    /// `blocks` blocks of random price moves, interest and account changes on `book`.
    static func path(
        _ book: inout LendingIndexTests.Book, accounts: Int, blocks: Int,
        random: inout RandomStream
    ) -> [Block] {
        var path: [Block] = []
        for _ in 0..<blocks {
            book.number += 1
            book.now += 12 + UInt64(random.uniformInt(below: 3_600))
            var prices = (0..<3).map { book.reader.oraclePrice($0, book.state) }
            for asset in 0..<3 where random.uniform() < 0.6 {
                let factor = ChainMath.exp(0.12 * random.normal())
                prices[asset] = UInt256(truncating: prices[asset].testDouble * factor) ?? .wad
            }
            book.setPrices(prices)
            var events: [ProtocolState.Event] = []
            for _ in 0..<Int(random.uniformInt(below: 7)) {
                let account = Address(
                    LendingIndexTests.first + UInt32(random.uniformInt(below: UInt64(accounts))))
                guard let pair = book.reader.pair(of: account, book.state) else { continue }
                let debt = book.reader.debt(
                    of: account, asset: pair.debt, book.state, at: book.now)
                let call =
                    random.uniform() < 0.5
                    ? book.repay(pair.debt, debt / UInt256(2 as UInt64) + .one)
                    : book.borrow(pair.debt, debt / UInt256(10 as UInt64) + .one)
                if random.uniform() < 0.5 {
                    book.state.ledger.mint(
                        book.tokens[pair.debt], to: account, amount: (debt + .one).toUInt128())
                }
                events += book.perform(call, by: account) ?? []
            }
            path.append(
                Block(state: book.state, events: events, number: book.number, timestamp: book.now))
        }
        return path
    }

    /// When each keeper sees each block: 12 s apart, each after a heavy-tailed delay of its
    /// own (a few seconds typically, sometimes minutes), so keepers fall behind one another
    /// and see blocks out of order. By time, then keeper, then block.
    static func deliveries(blocks: Int, keepers: Int, random: inout RandomStream)
        -> [(at: Int64, keeper: Int, block: Int)]
    {
        var list: [(at: Int64, keeper: Int, block: Int)] = []
        for block in 0..<blocks {
            for keeper in 0..<keepers {
                let delay = 6_000 * ChainMath.exp(1.4 * random.normal())
                list.append((Int64(block) * 12_000 + Int64(delay), keeper, block))
            }
        }
        return list.sorted { ($0.at, $0.keeper, $0.block) < ($1.at, $1.keeper, $1.block) }
    }

    @Test(
        "shared = private: Aave v2/v3 and Compound, many seeds, late and reordered blocks",
        arguments: [
            (LendingPoolKind.aave(.v2), UInt64(1)), (.aave(.v2), 2), (.aave(.v2), 3),
            (.aave(.v3), 4), (.aave(.v3), 5), (.compound, 6), (.compound, 7),
            (.aave(.v3dot3), 8), (.aave(.v2), 9), (.compound, 10), (.aave(.v2), 11),
            (.aave(.v3), 12),
        ])
    func sharedMatchesPrivate(kind: LendingPoolKind, seed: UInt64) throws {
        var random = RandomStream(seed: seed, name: "lending-shared-book-test")
        let accounts = 300
        var book = LendingIndexTests.Book(
            kind: kind, prices: [UInt256.wad, UInt256.wad / 2, UInt256(30_000 as UInt64) * .wad])
        LendingIndexTests.open(&book, count: accounts, random: &random)
        let genesis = LendingBook(
            reader: book.reader, state: book.state, firstAccount: LendingIndexTests.first,
            accountCount: accounts)
        // The fixture opened the accounts in its block 1: the path starts at block 2.
        let start = book.number
        let blocks = Self.path(&book, accounts: accounts, blocks: 40, random: &random)
        let keepers = 4
        let shared = LendingSharedBook(
            book: genesis,
            queries: LendingSharedQueries(reader: book.reader, assetCount: genesis.assetCount),
            version: start)
        let views = (0..<keepers).map { _ in LendingBookView(shared) }
        var own = Array(repeating: genesis, count: keepers)
        var newest = Array(repeating: UInt64(0), count: keepers)
        var found = 0
        var behind = 0
        for delivery in Self.deliveries(blocks: blocks.count, keepers: keepers, random: &random) {
            let block = blocks[delivery.block]
            let keeper = delivery.keeper
            own[keeper].apply(block.events, state: block.state, block: block.number)
            views[keeper].observe(block.events, state: block.state, block: block.number)
            guard block.number > newest[keeper] else { continue }
            newest[keeper] = block.number
            own[keeper].wake(now: delivery.at)
            views[keeper].wake(now: delivery.at)
            let overrides = views[keeper].overrides()
            if !overrides.isEmpty { behind += 1 }
            let context = "seed \(seed) keeper \(keeper) block \(block.number)"
            let active = own[keeper].activePairs
            for slot in 0..<9 {
                let pair = LendingPair(collateral: slot / 3, debt: slot % 3)
                #expect(
                    views[keeper].isActive(slot, overrides) == active.contains(pair),
                    "\(context) pair \(slot)")
                guard active.contains(pair) else { continue }
                // The keeper's own choices: how small a debt it cares about, how many it
                // wants, which accounts it is busy with.
                let least = random.uniform() < 0.5 ? 0 : ChainMath.exp(random.uniform(0, 30))
                let limit = random.uniform() < 0.3 ? Int.max : 1 + Int(random.uniformInt(below: 12))
                let busy = random.uniformInt(below: 5)
                let skip: (Address) -> Bool = { UInt64($0.rawValue) % 5 == busy }
                let expected = own[keeper].liquidatable(
                    pair, state: block.state, at: block.timestamp, minimumDebtValue: least,
                    limit: limit, skipping: skip)
                let query = shared.queries.query(
                    pair, block.state, block: block.number, at: block.timestamp)
                let listed = views[keeper].liquidatable(
                    query, overrides, state: block.state, minimumDebtValue: least, limit: limit,
                    skipping: skip)
                #expect(listed == expected, "\(context) pair \(slot)")
                found += expected.count
                // Some of what it found it judges not worth it, and rests.
                for account in expected where random.uniform() < 0.5 {
                    let interval = Int64(random.uniformInt(below: 120_000))
                    own[keeper].rest(account, now: delivery.at, interval: interval)
                    views[keeper].rest(account, slot: slot, now: delivery.at, interval: interval)
                }
            }
            #expect(views[keeper].visitedCount == own[keeper].index.visitedCount, "\(context)")
            #expect(views[keeper].queryCount == own[keeper].queryCount, "\(context)")
            #expect(views[keeper].returnedCount == own[keeper].returnedCount, "\(context)")
            #expect(views[keeper].updateCount == own[keeper].updateCount, "\(context)")
        }
        #expect(found > 20, "seed \(seed): the test must meet liquidatable accounts")
        #expect(behind > 0, "seed \(seed): some keeper must read the book through overrides")
        #expect(shared.version == start + UInt64(blocks.count), "seed \(seed): all applied")
        #expect(shared.sharedWalkCount > 0, "seed \(seed): keepers in step share walks")
    }

    @Test("the log keeps only blocks some keeper has not seen, and the book applies in order")
    func logAndOrder() throws {
        var random = RandomStream(seed: 99, name: "lending-shared-book-log")
        var book = LendingIndexTests.Book(
            kind: .aave(.v2),
            prices: [UInt256.wad, UInt256.wad / 2, UInt256(30_000 as UInt64) * .wad])
        LendingIndexTests.open(&book, count: 100, random: &random)
        let genesis = LendingBook(
            reader: book.reader, state: book.state, firstAccount: LendingIndexTests.first,
            accountCount: 100)
        let start = book.number
        let blocks = Self.path(&book, accounts: 100, blocks: 6, random: &random)
        let shared = LendingSharedBook(
            book: genesis,
            queries: LendingSharedQueries(reader: book.reader, assetCount: genesis.assetCount),
            version: start)
        let first = LendingBookView(shared)
        let second = LendingBookView(shared)
        // The first keeper sees the second block before the first: nothing is applied yet.
        first.observe(blocks[1].events, state: blocks[1].state, block: start + 2)
        #expect(shared.version == start)
        #expect(first.through == start && first.ahead == [start + 2])
        first.observe(blocks[0].events, state: blocks[0].state, block: start + 1)
        #expect(shared.version == start + 2)
        #expect(first.through == start + 2 && first.ahead.isEmpty)
        // The second has seen neither: the log keeps both blocks for it.
        #expect(shared.floor == start)
        let named = !blocks[0].events.isEmpty || !blocks[1].events.isEmpty
        #expect(second.overrides().isEmpty == !named)
        second.observe(blocks[0].events, state: blocks[0].state, block: start + 1)
        second.observe(blocks[1].events, state: blocks[1].state, block: start + 2)
        #expect(shared.floor == start + 2)
        #expect(second.overrides().isEmpty && first.overrides().isEmpty)
        // Applied once: the shared book holds what a private book fed the same blocks holds.
        var own = genesis
        for block in blocks.prefix(2) {
            own.apply(block.events, state: block.state, block: block.number)
        }
        for id in 0..<100 {
            #expect(shared.book.entry(id) == own.entry(id), "id \(id)")
        }
    }

    @Test("the least bucket from a Double's exponent = from its 256-bit truncation")
    func leastBucket() {
        var random = RandomStream(seed: 5, name: "lending-least-bucket")
        var values: [Double] = [
            0, 0.5, 1, 1.5, 2, 15.999, 16, 17, 0x1p64, 0x1p255, 0x1p256, -0.5, -1, -2,
            .infinity, -.infinity, .nan, .greatestFiniteMagnitude, .leastNonzeroMagnitude,
        ]
        for _ in 0..<5_000 {
            values.append(ChainMath.exp(random.uniform(-20, 180)))
            values.append(Double(random.uniformInt(below: 1 << 20)))
        }
        for value in values {
            let expected = UInt256(truncating: value).map(LendingBook.bucket) ?? 0
            #expect(LendingBook.bucket(truncating: value) == expected, "\(value)")
        }
    }
}
