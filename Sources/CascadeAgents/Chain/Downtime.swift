import CascadeKernel

extension Array where Element == Range<SimTime> {
    /// Whether `time` falls in one of these downtime windows (an agent's `downtime`: it
    /// sends nothing while down, but still watches blocks and settles what it sent).
    func covers(_ time: SimTime) -> Bool {
        contains { $0.contains(time) }
    }
}
