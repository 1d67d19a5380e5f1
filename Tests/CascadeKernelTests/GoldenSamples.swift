/// Recorded first outputs of `RandomStream(seed: 42, name: "golden")`'s samplers.
enum GoldenSamples {
    static let raw: [UInt64] = [2198119392978106254, 2700027564637483291, 18060205963771965746]
    static let dice: [UInt64] = [4, 7, 9, 0, 2]
    static let signed: [Int64] = [-5, 3, -5]
    static let uniform: [Double] = [0.4993170266162681, 0.5465269430294828, 0.7749758264078267]
    static let exponential: [Double] = [1.8192468685555483, 0.7935115269531144, 4.6374113213105]
    static let normal: [Double] = [1.2027866129469167, -4.497754304102986, 3.772986464849212]
    static let coin: [Bool] = [false, false, false, true, false, false, false, true]
    static let picks: [Int] = [2, 2, 2, 2, 2]
    static let shuffled: [Int] = [7, 3, 0, 5, 1, 2, 8, 6, 9, 4]
}
