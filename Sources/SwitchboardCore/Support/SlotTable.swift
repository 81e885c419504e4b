/// Values by key, kept in an array: a key is hashed once to find its slot, and a caller holding the slot reads and
/// writes the value without hashing the key again. Keys are never removed, so a slot stays valid for the table's
/// life (a `Dictionary.Index` does not survive the next insert).
///
/// For the shared state of the hot path (rate-limit buckets, budget accounts, deployments), whose keys hash a
/// `String` each: a request touches each value two to four times, and a dictionary would hash it every time.
struct SlotTable<Key: Hashable, Value> {
    private var slots: [Key: Int] = [:]
    private var values: [Value] = []

    /// The slot of `key`, if it has one.
    func slot(of key: Key) -> Int? { slots[key] }

    /// The slot of `key`, given one holding `make()` when it has none.
    mutating func slot(of key: Key, orInsert make: () -> Value) -> Int {
        if let slot = slots[key] { return slot }
        values.append(make())
        slots[key] = values.count - 1
        return values.count - 1
    }

    /// The value in `slot`, which came from this table.
    subscript(slot: Int) -> Value {
        get { values[slot] }
        set { values[slot] = newValue }
        _modify { yield &values[slot] }
    }

    /// The value of `key`, if it has a slot.
    func value(of key: Key) -> Value? { slots[key].map { values[$0] } }

    /// Every key with its value, in no particular order.
    var entries: some Sequence<(key: Key, value: Value)> { slots.lazy.map { ($0.key, values[$0.value]) } }
}
