import CascadeCore

/// A governance contract with a timelock: parameter changes are proposed, wait `delay`
/// seconds in a queue, and take effect when someone executes them — Maker's governance
/// security module (GSM) pause, 24 hours on Black Thursday (HISTORY.md §1).
///
/// - `propose(parameter, value, label)` by one of `proposers` queues the change with
///   `eta = block.timestamp + delaySeconds`.
/// - `execute(id)` by anyone, at or after `eta` (never one second before), applies it:
///   `ProtocolState` writes the parameter (`ProtocolState+Governance`), reverting if the
///   protocol would refuse the value (an LTV above the liquidation threshold …). Executed
///   once.
///
/// `label` is the change's name in the trace and the summary (the world path it came from,
/// such as `lending.assets[1].ltv`); the contract never reads it.
public struct Governance: Hashable, Sendable {
    /// A parameter governance can change, with the protocol it belongs to. Values are
    /// integers in the parameter's own unit (named in each case).
    public enum Parameter: Hashable, Sendable {
        /// Aave reserve LTV, liquidation threshold, liquidation bonus: basis points
        /// (the bonus as Aave stores it, 10500 = +5%).
        case aaveLTV(pool: Int, asset: Int)
        case aaveLiquidationThreshold(pool: Int, asset: Int)
        case aaveLiquidationBonus(pool: Int, asset: Int)
        /// Compound close factor, liquidation incentive (WAD), a market's collateral factor
        /// (WAD).
        case compoundCloseFactor(comptroller: Int)
        case compoundLiquidationIncentive(comptroller: Int)
        case compoundCollateralFactor(comptroller: Int, market: Int)
        /// Perpetuals market initial and maintenance margin, liquidation penalty: ppm.
        case perpInitialMargin(exchange: Int, market: Int)
        case perpMaintenanceMargin(exchange: Int, market: Int)
        case perpLiquidationPenalty(exchange: Int, market: Int)
        /// Maker: `chop` (WAD), Flipper `ttl` and `tau` (seconds), Clipper `buf` (RAY) and
        /// `tail` (seconds).
        case makerChop(ilk: Int)
        case flipperTTL(ilk: Int)
        case flipperTau(ilk: Int)
        case clipperBuf(ilk: Int)
        case clipperTail(ilk: Int)
        /// A guard's breaker: move threshold (basis points), window, cool-down and
        /// staleness limit (seconds); `guard` is the guard's index.
        case breakerMove(guard: Int)
        case breakerWindow(guard: Int)
        case breakerCooldown(guard: Int)
        case breakerStale(guard: Int)
    }

    public struct Proposal: Hashable, Sendable {
        public let id: Int
        public let parameter: Parameter
        public let value: UInt256
        public let label: String
        public let proposer: Address
        /// Seconds.
        public let proposedAt: UInt64
        public let eta: UInt64
        public internal(set) var executedAt: UInt64?
    }

    public enum Call: Hashable, Sendable {
        case propose(Parameter, value: UInt256, label: String)
        case execute(id: Int)
    }

    public enum Event: Hashable, Sendable {
        /// `governance_propose`.
        case proposed(Proposal, delaySeconds: UInt64)
        /// `governance_execute`: the value before and after.
        case executed(Proposal, previous: UInt256)
    }

    /// Seconds between a proposal and the earliest moment it may be executed.
    public var delaySeconds: UInt64
    /// Who may propose (the world's scheduler and risk controller).
    public var proposers: [Address]
    public private(set) var proposals: [Proposal] = []

    public init(delaySeconds: UInt64, proposers: [Address]) {
        self.delaySeconds = delaySeconds
        self.proposers = proposers
    }

    /// Queues a change; returns the proposal.
    mutating func propose(
        _ parameter: Parameter, value: UInt256, label: String, caller: Address, now: UInt64
    ) throws(Revert) -> Proposal {
        guard proposers.contains(caller) else { throw Revert("Governance/not-proposer") }
        let (eta, overflow) = now.addingReportingOverflow(delaySeconds)
        guard !overflow else { throw Revert("Governance/eta-overflow") }
        let proposal = Proposal(
            id: proposals.count, parameter: parameter, value: value, label: label,
            proposer: caller, proposedAt: now, eta: eta)
        proposals.append(proposal)
        return proposal
    }

    /// The proposal `id`, checked executable at `now` (pure: the caller writes).
    func executable(_ id: Int, now: UInt64) throws(Revert) -> Proposal {
        guard proposals.indices.contains(id) else { throw Revert("Governance/unknown-proposal") }
        let proposal = proposals[id]
        guard proposal.executedAt == nil else { throw Revert("Governance/already-executed") }
        guard now >= proposal.eta else { throw Revert("Governance/timelock-not-passed") }
        return proposal
    }

    mutating func markExecuted(_ id: Int, at now: UInt64) {
        proposals[id].executedAt = now
    }

    /// Proposals queued and not executed whose delay has passed at `now`, by id.
    public func ready(at now: UInt64) -> [Proposal] {
        proposals.filter { $0.executedAt == nil && now >= $0.eta }
    }

    /// Proposals not executed yet, by id.
    public var queued: [Proposal] { proposals.filter { $0.executedAt == nil } }
}
