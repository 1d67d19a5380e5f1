import Testing

@testable import CascadeAgents

/// The index walk's stack keeps 64 places of its own and spills to the heap beyond them
/// (`WalkPath`); a treap rarely reaches that depth, so the spill is tested here directly.
@Suite("Index walk path")
struct WalkPathTests {
    /// Pushes and pops interleaved across the spill and past several doublings: the stack
    /// gives back what a plain array stack gives.
    @Test(arguments: [0, 1, 63, 64, 65, 200, 1_000])
    func behavesAsAStack(depth: Int) {
        var path = WalkPath()
        defer { path.release() }
        var model: [Int32] = []
        for node in 0..<Int32(depth) {
            path.push(node)
            model.append(node)
            // Every third push, one pop: the count crosses the spill point going both ways.
            if node % 3 == 2 {
                #expect(path.pop() == model.popLast())
                path.push(node &* 7)
                model.append(node &* 7)
            }
        }
        while let expected = model.popLast() {
            #expect(path.pop() == expected)
        }
        #expect(path.pop() == nil)
    }
}
