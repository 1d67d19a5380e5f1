import CascadeContracts
import CascadeCore
import Testing

private let oracle = Address(900)
private let bob = Address(911)
private let alice = Address(910)
private let liquidator = Address(912)
private let governor = Address(940)
private let stranger = Address(941)

/// Circuit breakers, liquidation-fee designs and the governance timelock
/// (docs/model/circuit-breakers.md, docs/model/governance.md). The vectors are computed by
/// hand from the formulas in those pages; each test says how.
@Suite("Guards: circuit breakers, fee designs, governance")
struct GuardTests {
    /// `ProtocolLendingTests.World` with Alice's CRV-backed USDC loan at HF 1.2 (CRV $0.50,
    /// 20,000 CRV, 5,000 USDC owed, threshold 60%) and a liquidator holding 10,000 USDC.
    static func lendingWorld() throws -> ProtocolLendingTests.World {
        var world = ProtocolLendingTests.World()
        let pool = world.aave
        try world.mustRun([.aave(pool: pool, .supply(asset: 1, amount: 40_000_000_000))], as: bob)
        try world.mustRun(
            [
                .aave(pool: pool, .supply(asset: 0, amount: 20_000 * 1_000_000_000_000_000_000)),
                .aave(pool: pool, .borrow(asset: 1, amount: 5_000_000_000)),
            ], as: alice)
        world.state.ledger.mint(world.usdc, to: liquidator, amount: 10_000_000_000)
        return world
    }

    /// A breaker that trips on a move above 10% within 10 minutes, cools down for 30
    /// minutes, and trips when a price is more than an hour old.
    static let rule = CircuitBreaker.Rule(
        moveBps: 1_000, windowSeconds: 600, cooldownSeconds: 1_800, staleSeconds: 3_600,
        pausesLiquidations: true, pausesTrading: true)

    static func guarded(
        _ world: inout ProtocolLendingTests.World, design: LiquidationFeeDesign,
        breaker: CircuitBreaker? = CircuitBreaker(rule: rule)
    ) -> Int {
        let target = ProtocolGuard.Target.aave(pool: world.aave)
        return world.state.addGuard(
            ProtocolGuard(
                target: target, breaker: breaker, feeDesign: design,
                prices: world.state.guardPrices(target), at: world.now))
    }

    static func liquidation(_ world: ProtocolLendingTests.World) -> ProtocolState.Call {
        .aave(
            pool: world.aave,
            .liquidationCall(
                collateralAsset: 0, debtAsset: 1, user: alice, debtToCover: 1_000_000_000,
                receiveAToken: false))
    }

    // MARK: - The breaker alone

    @Test("a move above the threshold trips at its update and resumes exactly after the cool-down")
    func moveTripAndResume() {
        // CRV at $0.50 from t = 0; $0.44 at t = 100 is a 12% move (1,200 bps > 1,000).
        var history = PriceHistory(prices: [50_000_000], at: 0, horizonSeconds: 600)
        var breaker = CircuitBreaker(rule: Self.rule)
        breaker.observe(asset: 0, price: 44_000_000, at: 100, history: history)
        history.record(asset: 0, price: 44_000_000, at: 100)

        let pause = breaker.pause(at: 100, history: history)
        #expect(pause?.reason == .priceMove)
        #expect(pause?.moveBps == 1_200)
        #expect(pause?.reference == 50_000_000)
        #expect(breaker.pause(at: 1_899, history: history) != nil)
        #expect(breaker.pause(at: 1_900, history: history) == nil)
    }

    @Test(
        "a move of exactly the threshold does not trip; a further excessive move extends the pause")
    func thresholdIsStrictAndCooldownRestarts() {
        var history = PriceHistory(prices: [50_000_000], at: 0, horizonSeconds: 600)
        var breaker = CircuitBreaker(rule: Self.rule)
        // $0.45 is exactly 10.00%: not above 1,000 bps.
        breaker.observe(asset: 0, price: 45_000_000, at: 100, history: history)
        history.record(asset: 0, price: 45_000_000, at: 100)
        #expect(breaker.pause(at: 100, history: history) == nil)
        // $0.40 at t = 400: 20% below the $0.50 in force at t = 0 (inside the window).
        breaker.observe(asset: 0, price: 40_000_000, at: 400, history: history)
        history.record(asset: 0, price: 40_000_000, at: 400)
        #expect(breaker.pause(at: 400, history: history)?.moveBps == 2_000)
        // $0.35 at t = 1,000: 12.5% below $0.40 (in force at t = 400 ≥ 1,000 − 600).
        breaker.observe(asset: 0, price: 35_000_000, at: 1_000, history: history)
        history.record(asset: 0, price: 35_000_000, at: 1_000)
        #expect(breaker.pause(at: 2_199, history: history)?.since == 400)
        #expect(breaker.pause(at: 2_799, history: history) != nil)
        #expect(breaker.pause(at: 2_800, history: history) == nil)
    }

    @Test("staleness trips one second after the limit and resumes at the fresh update")
    func staleness() {
        var history = PriceHistory(prices: [50_000_000, 100_000_000], at: 0, horizonSeconds: 600)
        let breaker = CircuitBreaker(rule: Self.rule)
        history.record(asset: 1, price: 100_000_000, at: 3_000)
        // Asset 0's last update is t = 0: stale from 3,601 (more than 3,600 s old).
        #expect(breaker.pause(at: 3_600, history: history) == nil)
        let pause = breaker.pause(at: 3_601, history: history)
        #expect(pause?.reason == .stale)
        #expect(pause?.asset == 0)
        #expect(pause?.since == 3_601)
        history.record(asset: 0, price: 50_000_000, at: 5_000)
        #expect(breaker.pause(at: 5_000, history: history) == nil)
        // Asset 1 (last at 3,000) goes stale at 6,601.
        #expect(breaker.pause(at: 6_601, history: history)?.asset == 1)
    }

    // MARK: - In the state

    @Test("liquidations revert while paused, land after the resume, and the trace shows both")
    func liquidationPausedThenLands() throws {
        var world = try Self.lendingWorld()
        _ = Self.guarded(&world, design: .fixed)
        let start = world.now
        // CRV to $0.40 (−20%): HF 0.96, and the breaker trips at this update.
        world.now = start + 60
        try world.mustRun(
            [.aave(pool: world.aave, .setAssetPrice(asset: 0, price: 40_000_000))], as: oracle)
        #expect(world.events.contains { if case .guarded(.tripped) = $0 { true } else { false } })
        let before = world.state
        world.now = start + 60 + 1_799
        #expect(
            world.run([Self.liquidation(world)], as: liquidator)?.reason
                == "paused: circuit breaker")
        #expect(world.state == before)
        // Borrowing is paused too.
        #expect(
            world.run([.aave(pool: world.aave, .borrow(asset: 1, amount: 1))], as: bob)?
                .reason == "paused: circuit breaker")
        world.now = start + 60 + 1_800
        try world.mustRun([Self.liquidation(world)], as: liquidator)
        let resumed = world.events.compactMap { event -> UInt64? in
            guard case .guarded(.resumed(_, _, _, let at, let paused)) = event else { return nil }
            #expect(paused == 1_800)
            return at
        }
        #expect(resumed == [start + 60 + 1_800])
        #expect(
            world.events.contains {
                if case .aave(_, .liquidated) = $0 { true } else { false }
            })
    }

    @Test("a stale feed pauses liquidations until the next update")
    func stalePausesLiquidations() throws {
        var world = try Self.lendingWorld()
        _ = Self.guarded(&world, design: .fixed)
        let start = world.now
        // −8% (no move trip) at t + 10: HF 1.104, not liquidatable yet.
        world.now = start + 10
        try world.mustRun(
            [.aave(pool: world.aave, .setAssetPrice(asset: 0, price: 46_000_000))], as: oracle)
        // Asset 1 (USDC) was last updated at genesis: stale from start + 3,601.
        // $0.415 at start + 3,601: −9.78% (no move trip), HF 0.996.
        world.now = start + 3_601
        try world.mustRun(
            [.aave(pool: world.aave, .setAssetPrice(asset: 0, price: 41_500_000))], as: oracle)
        #expect(
            world.run([Self.liquidation(world)], as: liquidator)?.reason
                == "paused: circuit breaker")
        world.now = start + 3_700
        try world.mustRun(
            [
                .aave(pool: world.aave, .setAssetPrice(asset: 1, price: 100_000_000))
            ], as: oracle)
        // Asset 0 was updated at start + 3,601: fresh; the liquidation lands.
        try world.mustRun([Self.liquidation(world)], as: liquidator)
        let trips = world.events.compactMap { event -> CircuitBreaker.Pause? in
            guard case .guarded(.tripped(_, let pause, _, _)) = event else { return nil }
            return pause
        }
        #expect(trips.map(\.since) == [start + 3_601])
    }

    // MARK: - Fee designs

    @Test(
        "Dutch penalty: hand-computed vectors (start 2%, cap 10%, over 600 s)",
        arguments: [(0, 200), (150, 400), (300, 600), (599, 998), (600, 1_000), (9_999, 1_000)]
            as [(UInt64, UInt64)])
    func dutchVectors(elapsed: UInt64, expected: UInt64) {
        // 200 + 800 · min(elapsed, 600) / 600, rounded down: 599 → 200 + 798.66… = 998.
        #expect(
            LiquidationFeeDesign.dutchPenaltyBps(
                startBps: 200, capBps: 1_000, durationSeconds: 600, elapsedSeconds: elapsed)
                == UInt256(expected))
    }

    @Test("the Dutch penalty never falls as time passes")
    func dutchMonotone() {
        for (start, cap, duration) in [(0, 1_500, 1), (200, 1_000, 600), (777, 778, 86_400)]
            as [(UInt64, UInt64, UInt64)]
        {
            var previous = UInt256.zero
            for elapsed in stride(
                from: UInt64(0), through: duration * 2, by: UInt64.Stride(max(1, duration / 97)))
            {
                let penalty = LiquidationFeeDesign.dutchPenaltyBps(
                    startBps: UInt256(start), capBps: UInt256(cap), durationSeconds: duration,
                    elapsedSeconds: elapsed)
                #expect(penalty >= previous)
                #expect(penalty >= UInt256(start) && penalty <= UInt256(cap))
                previous = penalty
            }
        }
    }

    @Test(
        "dynamic penalty: hand-computed vectors (base 3%, 50% of the move, cap 15%)",
        arguments: [(0, 300), (1, 300), (1_000, 800), (2_400, 1_500), (4_000, 1_500)]
            as [(UInt64, UInt64)])
    func dynamicVectors(move: UInt64, expected: UInt64) {
        // min(1,500, 300 + move · 5,000 / 10,000): 1 → 300 + 0; 1,000 → 800; 2,400 → 1,500.
        #expect(
            LiquidationFeeDesign.dynamicPenaltyBps(
                baseBps: 300, multiplierBps: 5_000, capBps: 1_500, moveBps: UInt256(move))
                == UInt256(expected))
    }

    @Test("a Dutch design starts the clock at the first liquidation and raises the bonus after")
    func dutchInTheState() throws {
        var world = try Self.lendingWorld()
        _ = Self.guarded(
            &world, design: .dutch(startBps: 100, capBps: 900, durationSeconds: 800), breaker: nil)
        let start = world.now
        world.now = start + 10
        // CRV to $0.30: HF 0.72, so one close-factor liquidation leaves it unsafe.
        try world.mustRun(
            [.aave(pool: world.aave, .setAssetPrice(asset: 0, price: 30_000_000))], as: oracle)
        try world.mustRun([Self.liquidation(world)], as: liquidator)
        world.now = start + 410
        try world.mustRun([Self.liquidation(world)], as: liquidator)
        let bpsToWad = UInt256(100_000_000_000_000 as UInt64)
        let bonuses = world.events.compactMap { event -> UInt256? in
            guard case .aave(_, .liquidated(let liquidation)) = event else { return nil }
            return liquidation.call.bonus
        }
        // Bonus as WAD (bps · 1e14): 1% at the clock's start, 100 + 800 · 400 / 800 = 5% later.
        #expect(bonuses == [10_100 * bpsToWad, 10_500 * bpsToWad])
        // The configured 8% is back after each liquidation.
        #expect(
            world.state.aavePools[world.aave].reserves[0].configuration.liquidationBonusBps
                == 10_800)
    }

    // MARK: - Governance

    @Test("a timelocked change lands exactly after its delay, not one second before")
    func timelock() throws {
        var world = try Self.lendingWorld()
        world.state.setGovernance(Governance(delaySeconds: 86_400, proposers: [governor]))
        let start = world.now
        let propose = ProtocolState.Call.governance(
            .propose(.aaveLTV(pool: world.aave, asset: 0), value: 4_000, label: "ltv"))
        #expect(world.run([propose], as: stranger)?.reason == "Governance/not-proposer")
        try world.mustRun([propose], as: governor)
        world.now = start + 86_399
        let before = world.state
        #expect(
            world.run([.governance(.execute(id: 0))], as: stranger)?.reason
                == "Governance/timelock-not-passed")
        #expect(world.state == before)
        world.now = start + 86_400
        try world.mustRun([.governance(.execute(id: 0))], as: stranger)
        #expect(world.state.aavePools[world.aave].reserves[0].configuration.ltvBps == 4_000)
        #expect(
            world.run([.governance(.execute(id: 0))], as: stranger)?.reason
                == "Governance/already-executed")
        let executed = world.events.compactMap { event -> (UInt64?, UInt256)? in
            guard case .governance(.executed(let proposal, let previous)) = event else {
                return nil
            }
            return (proposal.executedAt, previous)
        }
        #expect(executed.count == 1)
        #expect(executed.first?.0 == start + 86_400)
        #expect(executed.first?.1 == 5_500)
    }

    @Test("an execution the protocol would refuse reverts and changes nothing")
    func refusedExecution() throws {
        var world = try Self.lendingWorld()
        world.state.setGovernance(Governance(delaySeconds: 0, proposers: [governor]))
        try world.mustRun(
            [
                .governance(
                    .propose(.aaveLTV(pool: world.aave, asset: 0), value: 7_000, label: "ltv"))
            ],
            as: governor)
        let before = world.state
        #expect(
            world.run([.governance(.execute(id: 0))], as: governor)?.reason
                == "Governance/ltv-above-threshold")
        #expect(world.state == before)
    }
}
