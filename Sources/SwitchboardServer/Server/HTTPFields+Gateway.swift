import HTTPTypes

extension HTTPFields {
    /// Whether a `Connection` field carries the `close` option. The field is a comma-separated list of
    /// case-insensitive tokens (RFC 9110 §7.6.1), so `close` may come with others, as in `TE, close`, and the
    /// field may be sent more than once.
    var asksToClose: Bool {
        self[values: .connection].contains { value in
            value.lowercased().split(separator: ",").contains { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }) == ["close"] }
        }
    }
}

extension HTTPFields {
    /// Appends `field`, whose name must not be set yet: for the fields the gateway adds to every answer, which its
    /// routes never set. Setting a field by name scans every field and compares names as strings, and the ten or so
    /// fields each answer gets were about 4% of a proxied request's instructions (callgrind). Debug builds (and so
    /// the tests) check that the name is new.
    mutating func appendNew(_ field: HTTPField) {
        assert(!contains(field.name), "\(field.name) is set already")
        append(field)
    }
}
