import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

@Suite("Perpetuals world")
struct PerpWorldTests {
    @Test("a crash world runs with the books checked every block")
    func smoke() throws {
        let perps = PerpWorldFixture.perps(
            traders: PerpTraderSettings(
                count: 200, longShare: 0.8, notionalMedian: 50_000, leverageMinimum: 4,
                leverageMaximum: 8, actionsPerDay: 24),
            liquidators: [PerpWorldFixture.liquidator(0), PerpWorldFixture.liquidator(1)])
        let configuration = PerpWorldFixture.world(
            seed: 3, perps: perps,
            market: PerpWorldFixture.market(change: -0.3, at: .minutes(5), over: .minutes(30)),
            checks: true)
        let world = try ProtocolWorld(configuration)
        let outcome = try world.run(until: .hours(1))
        #expect(
            outcome != .stopped, "\(String(describing: world.producer.core.invariantViolation))")
        let agents = try #require(world.perps)
        print(
            agents.genesis.traders.count, agents.genesis.skippedTraders, agents.oracle.statistics,
            agents.traders.statistics, agents.liquidators.map(\.statistics),
            agents.backstop?.statistics as Any)
        let books = world.producer.chain.state.perpExchanges[0]
        print(
            "fund", books.insuranceFund, "OI", books.market(PerpMarketID(rawValue: 0)).openInterest)
    }
}
