import CascadeCore

/// Which oracle design produced an update; the trace's `kind` field.
public enum OracleKind: String, Hashable, Sendable {
    /// Chainlink-style aggregator: the median of reporters' observations.
    case median
    /// Maker's Oracle Security Module: the source's value, published one hop late.
    case osm
    /// Time-weighted average of a Uniswap v2 pair's price.
    case twap
    /// A reporter's price accepted only near an on-chain anchor (Compound 2020).
    case anchored
}

/// An oracle's value changed, or was refused: the trace's `oracle_update` record
/// (`oracle, kind, value, source_value, round, accepted`).
///
/// `value` is what consumers read after the update (WAD unless the oracle says otherwise);
/// `sourceValue` is the input that produced it (the median of the observations, the
/// source's reading, the reporter's price); `accepted` is false when a guard kept the old
/// value, so a researcher can count refused updates.
public struct OracleUpdate: Hashable, Sendable {
    public var oracle: Address
    public var kind: OracleKind
    public var value: UInt256
    public var sourceValue: UInt256
    public var round: UInt64
    public var accepted: Bool

    public init(
        oracle: Address, kind: OracleKind, value: UInt256, sourceValue: UInt256, round: UInt64,
        accepted: Bool
    ) {
        self.oracle = oracle
        self.kind = kind
        self.value = value
        self.sourceValue = sourceValue
        self.round = round
        self.accepted = accepted
    }
}
