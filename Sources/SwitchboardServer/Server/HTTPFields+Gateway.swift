import HTTPTypes

extension HTTPFields {
    /// The value of the field named `name`, read in place when there is one such field. The subscript joins
    /// every value into a new string and, as a setter, rebuilds the list; on the request path, where each
    /// name appears once, both showed in the profile.
    func single(_ name: HTTPField.Name) -> String? {
        guard let index = firstIndex(named: name, from: startIndex) else { return nil }
        if firstIndex(named: name, from: index + 1) != nil { return self[name] }
        return self[index].value
    }

    /// Sets the field named `name` to `value`: appended when absent, replaced in place when there is one, and
    /// through the subscript (which removes the rest) when there are several.
    mutating func set(_ name: HTTPField.Name, _ value: String) {
        guard let index = firstIndex(named: name, from: startIndex) else { return append(HTTPField(name: name, value: value)) }
        if firstIndex(named: name, from: index + 1) != nil { return self[name] = value }
        self[index] = HTTPField(name: name, value: value)
    }

    /// Whether a field is named `name`.
    func contains(named name: HTTPField.Name) -> Bool {
        firstIndex(named: name, from: startIndex) != nil
    }

    /// The first field named `name` at or after `start`. A name of another length is passed over without
    /// comparing its text: a response gets about ten names set or looked up among its fifteen or so fields, and
    /// comparing every pair's strings showed in the profile.
    private func firstIndex(named name: HTTPField.Name, from start: Int) -> Int? {
        let length = name.canonicalName.utf8.count
        return self[start...].firstIndex { $0.name.canonicalName.utf8.count == length && $0.name == name }
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
