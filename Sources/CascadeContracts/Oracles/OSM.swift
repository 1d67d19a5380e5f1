import CascadeCore

/// Maker's Oracle Security Module (makerdao/osm `osm.sol`): a price feed that publishes its
/// source's value one hop late.
///
/// Every `hop` seconds (3600 by default) anyone may `poke`: the value queued at the last
/// poke (`nxt`) becomes current (`cur`), and the source's present value is queued. Vaults
/// are valued at `cur`, so governance and keepers see a price change an hour before it
/// bites: a deliberate delay that protects against a corrupted source, and that makes
/// liquidations lag a falling market by one to two hours.
///
/// `zzz` is the start of the hop in which the last poke happened (`now − now % hop`), so
/// pokes align to hop boundaries: `poke` is allowed once `now ≥ zzz + hop`, else it reverts
/// `"OSM/not-passed"`. Values are WAD prices stored as `uint128` (the OSM truncates).
/// The reader whitelist (`kiss`/`bud`) is not modelled: in a simulation every contract
/// that is wired to the OSM may read it.
public struct OSM: Contract, Hashable {
    /// A stored value and whether it is valid (`Feed { val, has }`).
    public struct Feed: Hashable, Sendable {
        public var value: UInt256
        public var has: Bool

        public static let empty = Feed(value: .zero, has: false)
    }

    public let address: Address
    /// Seconds between pokes (`uint16` on chain, so at most 65535).
    public private(set) var hop: UInt16 = 3600
    /// Start of the hop of the last poke (seconds).
    public private(set) var zzz: UInt64 = 0
    public private(set) var cur: Feed = .empty
    public private(set) var nxt: Feed = .empty
    /// 1 after `stop` or `void`: poking is refused.
    public private(set) var stopped = false
    /// Addresses allowed to `step`, `stop`, `start` and `void` (governance, the ESM).
    public let wards: [Address]

    public init(address: Address, wards: [Address], hop: UInt16 = 3600) {
        precondition(hop > 0, "OSM/ts-is-zero")
        self.address = address
        self.wards = wards
        self.hop = hop
    }

    public enum Call: Hashable, Sendable {
        /// Advances the feed; `source` is what the source's `peek()` returns now (nil when
        /// the source has no valid value, in which case nothing changes).
        case poke(source: UInt256?)
        /// Sets `hop` (must be positive).
        case step(hop: UInt16)
        case stop
        case start
        /// Stops the OSM and clears both values (emergency shutdown of a feed).
        case void
    }

    public enum Event: Hashable, Sendable {
        /// The trace's `osm_poke` (`oracle, cur, nxt, zzz, hop`): the values after the poke.
        case poked(oracle: Address, cur: UInt256, nxt: UInt256, zzz: UInt64, hop: UInt16)
        case oracleUpdated(OracleUpdate)
        case voided(oracle: Address)
    }

    /// Whether a poke is allowed now: `now ≥ zzz + hop`.
    public func pass(now: UInt64) -> Bool {
        now >= zzz + UInt64(hop)
    }

    /// The current value, as `peek()`: `(cur.val, cur.has)`.
    public func peek() -> (value: UInt256, has: Bool) { (cur.value, cur.has) }

    /// The queued value, as `peep()`: `(nxt.val, nxt.has)`.
    public func peep() -> (value: UInt256, has: Bool) { (nxt.value, nxt.has) }

    /// The start of the hop containing `timestamp` (`prev`).
    public func hopStart(_ timestamp: UInt64) -> UInt64 {
        timestamp - timestamp % UInt64(hop)
    }

    public mutating func apply(
        _ call: Call, caller: Address, block: BlockContext, events: inout [Event]
    ) throws(Revert) {
        switch call {
        case .poke(let source):
            guard !stopped else { throw Revert("OSM/is-stopped") }
            guard pass(now: block.timestamp) else { throw Revert("OSM/not-passed") }
            guard let source else { return }
            // The OSM stores uint128(uint(wut)): values are truncated to 128 bits.
            let queued = UInt256(source.low)
            cur = nxt
            nxt = Feed(value: queued, has: true)
            zzz = hopStart(block.timestamp)
            events.append(
                .poked(oracle: address, cur: cur.value, nxt: nxt.value, zzz: zzz, hop: hop))
            events.append(
                .oracleUpdated(
                    OracleUpdate(
                        oracle: address, kind: .osm, value: cur.value, sourceValue: source,
                        round: zzz / UInt64(hop), accepted: true)))
        case .step(let newHop):
            try requireWard(caller)
            guard newHop > 0 else { throw Revert("OSM/ts-is-zero") }
            hop = newHop
        case .stop:
            try requireWard(caller)
            stopped = true
        case .start:
            try requireWard(caller)
            stopped = false
        case .void:
            try requireWard(caller)
            cur = .empty
            nxt = .empty
            stopped = true
            events.append(.voided(oracle: address))
        }
    }

    private func requireWard(_ caller: Address) throws(Revert) {
        guard wards.contains(caller) else { throw Revert("OSM/not-authorized") }
    }

    public func checkInvariants() throws(InvariantViolation) {
        guard hop > 0 else { throw InvariantViolation("OSM \(address): hop is zero") }
        guard cur.value.high == 0, nxt.value.high == 0 else {
            throw InvariantViolation("OSM \(address): value above uint128")
        }
    }
}
