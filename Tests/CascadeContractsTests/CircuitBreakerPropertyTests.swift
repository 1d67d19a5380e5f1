import CascadeContracts
import CascadeCore
import CascadeTestSupport
import Testing

/// The breaker against a naive reference over random update sequences: at every second,
/// `CircuitBreaker.pause(at:)` over the pruned `PriceHistory` must say what a direct reading
/// of the rule over the whole list of updates says (docs/model/circuit-breakers.md):
///
/// - an update at `e` is excessive when `|p − q| · 10⁴ / q > move` for some price `q` of
///   the same asset in force during `[e − window, e]` before it;
/// - tripped on move at `t` iff some excessive update `e ≤ t` has `t < e + cooldown`;
/// - tripped on staleness at `t` iff some asset's last update before `t` is older than
///   `stale`.
///
/// Prints the seed on failure; rerun one by narrowing `arguments`.
@Suite("CircuitBreaker against a naive reference (seeded)")
struct CircuitBreakerPropertyTests {
    struct Update {
        var time: UInt64
        var asset: Int
        var price: UInt256
    }

    @Test("pause(at:) matches the rule read directly, every second", arguments: 0..<24)
    func matchesReference(seed: UInt64) {
        var random = OperandGenerator(seed: seed)
        let assets = 1 + Int(random.next(below: 3))
        let window = 10 + random.next(below: 300)
        let cooldown = random.next(below: 400)
        let stale = random.next(below: 2) == 0 ? nil : 50 + random.next(below: 400)
        let move = UInt256(50 + random.next(below: 1_500))
        let rule = CircuitBreaker.Rule(
            moveBps: move, windowSeconds: window, cooldownSeconds: cooldown, staleSeconds: stale,
            pausesLiquidations: true, pausesTrading: false)
        var prices = (0..<assets).map { _ in UInt256(1_000 + random.next(below: 1_000)) }
        var updates = prices.enumerated().map { Update(time: 0, asset: $0, price: $1) }
        var time: UInt64 = 0
        for _ in 0..<(40 + Int(random.next(below: 160))) {
            time += 1 + random.next(below: 60)
            let asset = Int(random.next(below: UInt64(assets)))
            // Moves of up to ±20%, so some trip and some do not.
            let step = random.next(below: 4_001)
            let price = prices[asset] * UInt256(8_000 + step) / 10_000
            prices[asset] = max(price, 1)
            updates.append(Update(time: time, asset: asset, price: prices[asset]))
        }

        var history = PriceHistory(
            prices: updates.prefix(assets).map(\.price), at: 0, horizonSeconds: window)
        var breaker = CircuitBreaker(rule: rule)
        var next = assets
        for second in 0...(time + 600) {
            while next < updates.count && updates[next].time == second {
                let update = updates[next]
                breaker.observe(
                    asset: update.asset, price: update.price, at: second, history: history)
                history.record(asset: update.asset, price: update.price, at: second)
                next += 1
            }
            let expected = Self.reference(updates, rule: rule, assets: assets, at: second)
            let actual = breaker.pause(at: second, history: history)
            guard expected.move == (actual?.reason == .priceMove),
                expected.stale == (actual?.reason == .stale) || expected.move
            else {
                Issue.record(
                    "seed \(seed) second \(second): expected \(expected), got \(String(describing: actual))"
                )
                return
            }
        }
    }

    /// The rule read directly over every update up to `t`.
    static func reference(
        _ updates: [Update], rule: CircuitBreaker.Rule, assets: Int, at t: UInt64
    ) -> (move: Bool, stale: Bool) {
        let seen = updates.filter { $0.time <= t }
        var move = false
        for (index, update) in seen.enumerated() where update.time > 0 {
            guard t < update.time + rule.cooldownSeconds else { continue }
            let start = update.time > rule.windowSeconds ? update.time - rule.windowSeconds : 0
            // Prices of the asset in force at some moment of [start, e], before this update.
            let earlier = seen[..<index].filter { $0.asset == update.asset }
            let references = earlier.enumerated().filter { position, candidate in
                candidate.time >= start || position + 1 == earlier.count
                    || earlier[position + 1].time > start
            }.map(\.element.price)
            if references.contains(where: {
                PriceHistory.moveBps(from: $0, to: update.price) > rule.moveBps ?? .max
            }) {
                move = true
            }
        }
        var stale = false
        if let limit = rule.staleSeconds {
            for asset in 0..<assets {
                let last = seen.last { $0.asset == asset }?.time ?? 0
                if t > last + limit { stale = true }
            }
        }
        return (move, stale)
    }
}
