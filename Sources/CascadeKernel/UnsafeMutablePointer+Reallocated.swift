extension UnsafeMutablePointer {
    /// A new allocation of `capacity` elements holding the first `count` elements of this
    /// one, moved; this allocation is freed. For the raw buffers that grow by doubling
    /// (the event queue's nodes, a keeper's due times, a tree walk's stack).
    @inlinable
    public func reallocated(count: Int, capacity: Int) -> UnsafeMutablePointer<Pointee> {
        precondition(capacity >= count, "reallocated: capacity below count")
        let larger = UnsafeMutablePointer<Pointee>.allocate(capacity: capacity)
        larger.moveInitialize(from: self, count: count)
        deallocate()
        return larger
    }
}
