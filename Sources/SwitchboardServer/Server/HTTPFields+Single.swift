import HTTPTypes

extension HTTPFields {
    /// The value of the field named `name`, read in place when there is one such field. The subscript joins
    /// every value into a new string and, as a setter, rebuilds the list; on the request path, where each
    /// name appears once, both showed in the profile.
    func single(_ name: HTTPField.Name) -> String? {
        guard let index = firstIndex(where: { $0.name == name }) else { return nil }
        if self[index...].dropFirst().contains(where: { $0.name == name }) { return self[name] }
        return self[index].value
    }

    /// Sets the field named `name` to `value`: appended when absent, replaced in place when there is one, and
    /// through the subscript (which removes the rest) when there are several.
    mutating func set(_ name: HTTPField.Name, _ value: String) {
        guard let index = firstIndex(where: { $0.name == name }) else { return append(HTTPField(name: name, value: value)) }
        if self[index...].dropFirst().contains(where: { $0.name == name }) { return self[name] = value }
        self[index] = HTTPField(name: name, value: value)
    }
}

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
