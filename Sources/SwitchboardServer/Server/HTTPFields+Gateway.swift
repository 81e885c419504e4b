import HTTPTypes

/// Reading fields on the hot path. `HTTPFields`' own lookups compare every field's name as a string (a comparison
/// that fails costs about 70 instructions), and its subscript getter walks a lazy sequence and joins the values
/// even for one field, copying it: 1–4k instructions a read. These compare lengths first and return the stored
/// string. Read request and answer fields with them.
extension HTTPFields {
    /// The position of the first field named `name` at or after `start`.
    func firstIndex(named name: HTTPField.Name, from start: Int = 0) -> Int? {
        let canonical = name.canonicalName
        let length = canonical.utf8.count
        var index = start
        while index < endIndex {
            let candidate = self[index].name.canonicalName
            if candidate.utf8.count == length, candidate == canonical { return index }
            index += 1
        }
        return nil
    }

    /// Whether a field is named `name`.
    func has(_ name: HTTPField.Name) -> Bool { firstIndex(named: name) != nil }

    /// The value of the fields named `name`, as the subscript reads it: several are joined with commas.
    func value(of name: HTTPField.Name) -> String? {
        guard let first = firstIndex(named: name) else { return nil }
        guard firstIndex(named: name, from: first + 1) != nil else { return self[first].value }
        return self[name]
    }

    /// Whether a `Connection` field carries the `close` option. The field is a comma-separated list of
    /// case-insensitive tokens (RFC 9110 §7.6.1), so `close` may come with others, as in `TE, close`, and the
    /// field may be sent more than once.
    var asksToClose: Bool {
        var next = firstIndex(named: .connection)
        while let index = next {
            let tokens = self[index].value.lowercased().split(separator: ",")
            if tokens.contains(where: { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }) == ["close"] }) { return true }
            next = firstIndex(named: .connection, from: index + 1)
        }
        return false
    }
}

extension HTTPFields {
    /// Appends `field`, whose name must not be set yet: for the fields the gateway adds to every answer, which its
    /// routes never set. Setting a field by name scans every field and compares names as strings, and the ten or so
    /// fields each answer gets were about 4% of a proxied request's instructions (callgrind). Debug builds (and so
    /// the tests) check that the name is new.
    mutating func appendNew(_ field: HTTPField) {
        assert(!has(field.name), "\(field.name) is set already")
        append(field)
    }
}
