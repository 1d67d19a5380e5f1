import CascadeContracts
import CascadeCore

// Trace lines of the circuit breakers, liquidation-fee designs and governance
// (docs/outputs.md): each carries its inputs, so the trip, the penalty and the timelock can
// be recomputed from the trace alone. Times are whole seconds (block timestamps).

extension ContractTrace {
    static func describeGuard(_ event: ProtocolGuard.Event)
        -> (type: String, fields: [(String, OutputJSON)])
    {
        switch event {
        case .tripped(let target, let pause, let window, let threshold):
            var fields: [(String, OutputJSON)] = [
                ("protocol", .string(target.name)), ("reason", .string(pause.reason.rawValue)),
                ("asset", .integer(pause.asset)), ("price", units(pause.price)),
                ("reference", units(pause.reference)), ("window_s", .integer(Int(window))),
                ("move_bps", units(pause.moveBps)),
                ("threshold_bps", threshold.map(units) ?? .null),
                ("tripped_at_s", .integer(Int(pause.since))),
            ]
            fields.append(("resume_at_s", pause.until.map { .integer(Int($0)) } ?? .null))
            return ("breaker_trip", fields)
        case .resumed(let target, let reason, let asset, let at, let paused):
            return (
                "breaker_resume",
                [
                    ("protocol", .string(target.name)), ("reason", .string(reason.rawValue)),
                    ("asset", .integer(asset)), ("resumed_at_s", .integer(Int(at))),
                    ("paused_s", .integer(Int(paused))),
                ]
            )
        case .feeApplied(let target, let account, let design, let elapsed, let move, let penalty):
            return (
                "liquidation_fee",
                [
                    ("protocol", .string(target.name)), ("account", .integer(Int(account))),
                    ("design", .string(design)), ("elapsed_s", .integer(Int(elapsed))),
                    ("move_bps", units(move)), ("penalty_bps", units(penalty)),
                ]
            )
        }
    }

    static func describeGovernance(_ event: Governance.Event)
        -> (type: String, fields: [(String, OutputJSON)])
    {
        switch event {
        case .proposed(let proposal, let delay):
            return (
                "governance_propose",
                [
                    ("id", .integer(proposal.id)), ("parameter", .string(proposal.label)),
                    ("value", units(proposal.value)),
                    ("proposer", .string(proposal.proposer.description)),
                    ("proposed_at_s", .integer(Int(proposal.proposedAt))),
                    ("delay_s", .integer(Int(delay))), ("eta_s", .integer(Int(proposal.eta))),
                ]
            )
        case .executed(let proposal, let previous):
            return (
                "governance_execute",
                [
                    ("id", .integer(proposal.id)), ("parameter", .string(proposal.label)),
                    ("value", units(proposal.value)), ("previous", units(previous)),
                    ("proposed_at_s", .integer(Int(proposal.proposedAt))),
                    ("eta_s", .integer(Int(proposal.eta))),
                    ("executed_at_s", .integer(Int(proposal.executedAt ?? 0))),
                ]
            )
        }
    }
}
