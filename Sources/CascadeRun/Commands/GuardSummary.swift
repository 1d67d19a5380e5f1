import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore

/// The circuit breaker's, fee design's and governance's figures of a run, counted from
/// each block's events and receipts (docs/outputs.md, "Guards and governance").
struct GuardFigures {
    var trips = 0
    var tripsOnMove = 0
    var tripsOnStaleness = 0
    /// Seconds paused: the pauses that resumed during the run, and one still in force at
    /// the end counted to the last block.
    var pausedSeconds: UInt64 = 0
    var pausedAtEnd = false
    /// Transactions reverted `paused: circuit breaker`.
    var pausedReverts = 0
    var designedLiquidations = 0
    var proposals = 0
    var executions = 0
    /// Each executed change: its name, value, and when it was proposed and executed.
    var executed: [(label: String, value: UInt256, proposedAt: UInt64, executedAt: UInt64)] = []

    mutating func notePauseAtEnd(
        since: UInt64, end: UInt64, unreported: Bool, reason: CircuitBreaker.Reason
    ) {
        if unreported {
            trips += 1
            if reason == .stale { tripsOnStaleness += 1 } else { tripsOnMove += 1 }
        }
        pausedAtEnd = true
        pausedSeconds += end > since ? end - since : 0
    }

    mutating func record(_ block: BlockResult<ProtocolState.Call, ProtocolState.Event>) {
        for receipt in block.receipts {
            if case .reverted(let revert) = receipt.status,
                revert.reason == CircuitBreaker.pausedReason
            {
                pausedReverts += 1
            }
        }
        for event in block.events {
            switch event {
            case .guarded(.tripped(_, let pause, _, _)):
                trips += 1
                if pause.reason == .stale { tripsOnStaleness += 1 } else { tripsOnMove += 1 }
            case .guarded(.resumed(_, _, _, _, let paused)):
                pausedSeconds += paused
            case .guarded(.feeApplied):
                designedLiquidations += 1
            case .governance(.proposed):
                proposals += 1
            case .governance(.executed(let proposal, _)):
                executions += 1
                executed.append(
                    (
                        proposal.label, proposal.value, proposal.proposedAt,
                        proposal.executedAt ?? 0
                    ))
            default:
                break
            }
        }
    }
}

extension ProtocolRun {
    /// `summary.json`'s guard and governance figures, only for a world that has either (so
    /// every other world's summary is unchanged).
    static func appendGuards(
        to summary: inout JSONObject, configuration: ProtocolWorldConfiguration,
        sink: ProtocolOutputSink
    ) {
        let guarded =
            configuration.lending?.guardSettings != nil
            || configuration.perps?.guardSettings != nil || configuration.makerGuard != nil
        let figures = sink.guardFigures
        if guarded {
            summary.append("breaker_trips", .integer(figures.trips))
            summary.append("breaker_trips_on_move", .integer(figures.tripsOnMove))
            summary.append("breaker_trips_on_staleness", .integer(figures.tripsOnStaleness))
            summary.append("breaker_paused_seconds", .integer(Int(figures.pausedSeconds)))
            summary.append("breaker_paused_at_end", .boolean(figures.pausedAtEnd))
            summary.append("breaker_reverted_transactions", .integer(figures.pausedReverts))
            summary.append("designed_fee_liquidations", .integer(figures.designedLiquidations))
        }
        guard let governance = configuration.governance else { return }
        summary.append("governance_delay_seconds", .integer(Int(governance.delaySeconds)))
        summary.append("governance_proposals", .integer(figures.proposals))
        summary.append("governance_executions", .integer(figures.executions))
        summary.append(
            "governance_executed",
            .array(
                figures.executed.map { change in
                    var object = JSONObject()
                    object.append("parameter", .string(change.label))
                    object.append("value", .string(change.value.description))
                    object.append("proposed_at_s", .integer(Int(change.proposedAt)))
                    object.append("executed_at_s", .integer(Int(change.executedAt)))
                    return .object(object)
                }))
        if let rules = governance.riskController?.rules {
            summary.append("risk_controller_rules", .integer(rules.count))
            summary.append("risk_controller_proposals", .integer(sink.riskFirings.count))
            summary.append(
                "risk_controller_first_proposal_s",
                sink.riskFirings.first.map { .integer(Int($0.at.wholeSeconds)) } ?? .null)
        }
    }
}
