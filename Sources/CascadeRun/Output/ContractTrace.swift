import CascadeChain
import CascadeContracts
import CascadeCore

/// The trace lines of contract events (INTERFACE.md): `swap`, `oracle_update`, `osm_poke`,
/// `bite`/`bark`, `kick`, `tend`/`dent`, `deal`, `take`, `redo`, and the Vat's, Jug's,
/// joins' and transfers' own lines.
///
/// Each successful transaction's events follow its `tx` line, in the order the contracts
/// emitted them, each with the transaction's hash as `tx`, so a line can be traced back to
/// the call that caused it and its arithmetic redone from the line alone: every event
/// carries its inputs (reserves before a swap, the vault before a bite) as well as its
/// outputs. A reverted transaction emits none (its effects were undone).
///
/// Integer amounts (wei, WAD, RAY, RAD, token base units) are JSON strings of digits, as
/// everywhere in the outputs; ilks are named as in the world (`ETH-A`).
enum ContractTrace {
    /// The lines of `events`, the events of the transaction `hash` in block `block`.
    static func lines(
        _ events: ArraySlice<ProtocolState.Event>, block: UInt64, timeMs: Int64,
        transaction hash: TransactionHash, state: ProtocolState
    ) -> [JSONObject] {
        events.map { event in
            let (type, fields) = describe(event, state: state)
            var line = JSONObject()
            line.append("block", .integer(Int(block)))
            line.append("time_ms", .integer(Int(timeMs)))
            line.append("type", .string(type))
            line.append("tx", .string(hash.description))
            for (name, value) in fields {
                line.append(name, value)
            }
            return line
        }
    }

    /// The event's `type` and its fields, INTERFACE.md's first.
    static func describe(_ event: ProtocolState.Event, state: ProtocolState)
        -> (type: String, fields: [(String, OutputJSON)])
    {
        switch event {
        case .maker(let maker):
            let fields = maker.traceFields { state.maker.ilk($0).name }
            return (maker.traceType, fields.map { ($0.name, value(of: $0.name, $0.value)) })
        case .transferred(let token, let from, let to, let amount):
            return (
                "transfer",
                [
                    ("token", symbol(token, state)), ("from", .string(from.description)),
                    ("to", .string(to.description)), ("amount", units(amount)),
                ]
            )
        case .gemJoined(let ilk, let owner, let amount):
            return ("gem_join", join(ilk, owner, amount, state))
        case .gemExited(let ilk, let owner, let amount):
            return ("gem_exit", join(ilk, owner, amount, state))
        case .daiJoined(let owner, let amount):
            return ("dai_join", [("owner", .string(owner.description)), ("amount", units(amount))])
        case .daiExited(let owner, let amount):
            return ("dai_exit", [("owner", .string(owner.description)), ("amount", units(amount))])
        case .swapped(let swap):
            return (
                "swap",
                [
                    ("pool", .string(swap.pool.description)),
                    ("token_in", symbol(swap.tokenIn, state)),
                    ("token_out", symbol(swap.tokenOut, state)),
                    ("amount_in", units(swap.amountIn)), ("reserve_in", units(swap.reserveIn)),
                    ("reserve_out", units(swap.reserveOut)),
                    ("amount_out", units(swap.amountOut)), ("fee_bps", units(swap.feeBps)),
                    ("to", .string(swap.to.description)),
                ]
            )
        case .minted(let mint):
            return (
                "lp_mint",
                [
                    ("pool", .string(mint.pool.description)), ("to", .string(mint.to.description)),
                    ("amount0", units(mint.amount0)), ("amount1", units(mint.amount1)),
                    ("liquidity", units(mint.liquidity)),
                ]
            )
        case .burned(let burn):
            return (
                "lp_burn",
                [
                    ("pool", .string(burn.pool.description)), ("to", .string(burn.to.description)),
                    ("amount0", units(burn.amount0)), ("amount1", units(burn.amount1)),
                    ("liquidity", units(burn.liquidity)),
                ]
            )
        case .synced(let pool, let reserve0, let reserve1):
            return (
                "sync",
                [
                    ("pool", .string(pool.description)), ("reserve0", units(reserve0)),
                    ("reserve1", units(reserve1)),
                ]
            )
        case .osm(.poked(let oracle, let cur, let nxt, let zzz, let hop)):
            return (
                "osm_poke",
                [
                    ("oracle", .string(oracle.description)), ("cur", units(cur)),
                    ("nxt", units(nxt)), ("zzz", .integer(Int(zzz))), ("hop", .integer(Int(hop))),
                ]
            )
        case .osm(.oracleUpdated(let update)), .median(.oracleUpdated(let update)),
            .twapUpdated(let update):
            return ("oracle_update", oracleUpdate(update))
        case .osm(.voided(let oracle)):
            return ("osm_void", [("oracle", .string(oracle.description))])
        case .anchored(.oracleUpdated(let asset, let update, let anchorPrice)):
            return (
                "oracle_update",
                oracleUpdate(update) + [("asset", .integer(asset)), ("anchor", units(anchorPrice))]
            )
        case .anchored(.reporterInvalidated):
            return ("reporter_invalidated", [])
        case .aave(let index, let event):
            let reserves = state.aavePools[index].reserves
            let fields = event.traceFields {
                state.ledger.symbol(of: reserves[$0].configuration.token)
            }
            return (event.traceType, [("pool", .integer(index))] + strings(fields))
        case .compound(let index, let event):
            let markets = state.compoundComptrollers[index].markets
            let fields = event.traceFields {
                state.ledger.symbol(of: markets[$0].configuration.underlying)
            }
            return (event.traceType, [("comptroller", .integer(index))] + strings(fields))
        case .perp(let index, let event):
            let markets = state.perpExchanges[index].markets
            let fields = event.traceFields { markets[Int($0.rawValue)].terms.name }
            return (event.traceType, [("exchange", .integer(index))] + strings(fields))
        case .guarded(let event):
            return describeGuard(event)
        case .governance(let event):
            return describeGovernance(event)
        case .options(let index, let event):
            return describeOptions(index, event)
        }
    }

    /// Lending and perpetuals fields: `true`/`false` as booleans, the rest (signed and
    /// unsigned base units, names, addresses) as strings.
    static func strings(_ fields: [(name: String, value: String)]) -> [(String, OutputJSON)] {
        fields.map { ($0.name, value(of: $0.name, $0.value)) }
    }

    static func oracleUpdate(_ update: OracleUpdate) -> [(String, OutputJSON)] {
        [
            ("oracle", .string(update.oracle.description)), ("kind", .string(update.kind.rawValue)),
            ("value", units(update.value)), ("source_value", units(update.sourceValue)),
            ("round", .integer(Int(update.round))), ("accepted", .boolean(update.accepted)),
        ]
    }

    static func join(
        _ ilk: MakerSystem.IlkID, _ owner: Address, _ amount: UInt256, _ state: ProtocolState
    )
        -> [(String, OutputJSON)]
    {
        [
            ("ilk", .string(state.maker.ilk(ilk).name)), ("owner", .string(owner.description)),
            ("amount", units(amount)),
        ]
    }

    static func symbol(_ token: TokenID, _ state: ProtocolState) -> OutputJSON {
        .string(state.ledger.symbol(of: token))
    }

    static func units(_ value: UInt256) -> OutputJSON {
        .baseUnits(text: value.description)
    }

    /// Maker fields in whole seconds, written as JSON numbers like `osm_poke`'s `zzz`.
    static let secondsFields: Set<String> = ["tic", "end", "seconds", "era"]

    /// A Maker field's JSON: times in seconds as numbers, `true`/`false` as booleans, an
    /// empty keeper as `null`, and the rest (digits of base units, signed deltas, names,
    /// addresses) as strings.
    static func value(of name: String, _ text: String) -> OutputJSON {
        if secondsFields.contains(name), let seconds = Int(text) { return .integer(seconds) }
        return switch text {
        case "": .null
        case "true": .boolean(true)
        case "false": .boolean(false)
        default: .string(text)
        }
    }
}
