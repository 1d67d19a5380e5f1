import CascadeAgents
import CascadeContracts
import CascadeCore
import CascadeKernel

extension ProtocolRun {
    /// The pump-and-borrow figures of `summary.json` (docs/outputs.md), appended after the
    /// perpetuals figures when the world has an attacker: amounts in USD (USDC), exact where
    /// they are on chain.
    ///
    /// `drained` is the headline: what the attacker's withdrawals took beyond its own
    /// deposits, i.e. the other depositors' loss.
    static func appendAttack(
        to summary: inout JSONObject, configuration: ProtocolWorldConfiguration,
        sink: ProtocolOutputSink
    ) {
        guard let perps = configuration.perps, perps.attacker != nil else { return }
        let attack = sink.attack ?? PumpAttackerStatistics()
        func usdc(_ quantums: Int128) -> OutputJSON {
            OutputJSON(ProtocolOutputSink.usdc(quantums))
        }
        func seconds(_ time: SimTime?) -> OutputJSON {
            guard let time else { return .null }
            return .decimal(DecimalText(signed: Int128(time.milliseconds), scale: 3))
        }
        let spent = Int128((attack.pumpSpent * 1e6).rounded())
        summary.append("drained", usdc(attack.drained))
        summary.append("drained_unit", .string("USD"))
        summary.append("attack_withdrawn", usdc(attack.withdrawn))
        summary.append("attack_deposits", usdc(attack.deposits))
        summary.append("attack_pool", usdc(perps.depositorsCapital))
        summary.append("attack_borrows", .integer(attack.borrows))
        summary.append("attack_reverted", .integer(attack.reverted))
        summary.append("attack_pump_spent", usdc(spent))
        summary.append("attack_mark_max", usdc(attack.markMaximum))
        summary.append("attack_first_borrow_s", seconds(attack.firstBorrowAt))
        summary.append("attack_last_borrow_s", seconds(attack.lastBorrowAt))
    }

    /// The headline row of a world with an attacker.
    static func attackHeadline(_ summary: JSONObject) -> [(String, String)] {
        guard summary["drained"] != nil else { return [] }
        func figure(_ key: String) -> String {
            summary[key].map(HeadlineFigure.displayText) ?? "–"
        }
        return [
            (
                "drained",
                "\(figure("drained")) USD beyond the attacker's own deposits "
                    + "(\(figure("attack_borrows")) withdrawals; mark high "
                    + "\(figure("attack_mark_max")))"
            )
        ]
    }
}
