/// The keys of one JSON object read so far, to refuse a duplicate: an object with two `model` members must not
/// be read one way here and another way by the JSON decoder it stands in for.
///
/// The first eight keys, as many as an API object usually has, are compared in place, without hashing or an
/// allocation (a set per object was a visible cost per request message); from the ninth on, a set keeps a
/// hostile body with thousands of keys linear in time.
struct SeenKeys {
    private static let inline = 8
    private var first = InlineArray<8, String>(repeating: "")
    private var count = 0
    private var rest = Set<String>()

    /// Adds `key`; false when it was there already.
    mutating func insert(_ key: String) -> Bool {
        for index in 0..<min(count, Self.inline) where first[index] == key { return false }
        if count < Self.inline {
            first[count] = key
        } else if !rest.insert(key).inserted {
            return false
        }
        count += 1
        return true
    }
}
