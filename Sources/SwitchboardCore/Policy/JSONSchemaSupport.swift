/// JSON pointer helpers shared by the schema checker and the validator.
enum JSONPointer {
    /// Appends one reference token, escaping `~` and `/` as RFC 6901 requires.
    static func appending(_ path: String, _ token: String) -> String {
        guard token.contains(where: { $0 == "~" || $0 == "/" }) else { return path + "/" + token }
        return path + "/" + token.replacing("~", with: "~0").replacing("/", with: "~1")
    }

    /// Appends an array index.
    static func appending(_ path: String, _ index: Int) -> String {
        path + "/" + String(index)
    }

    /// Resolves a local reference (`#`, `#/$defs/name`, `#/definitions/name`, any `#/…` pointer) in `root`.
    static func resolve(_ reference: String, in root: JSONValue) -> JSONValue? {
        guard reference.first == "#" else { return nil }
        let pointer = reference.dropFirst()
        if pointer.isEmpty { return root }
        guard pointer.first == "/" else { return nil }
        var current = root
        for rawToken in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let token = String(rawToken).replacing("~1", with: "/").replacing("~0", with: "~")
            switch current {
            case .object(let object):
                guard let next = object[token] else { return nil }
                current = next
            case .array(let array):
                guard let index = Int(token), array.indices.contains(index) else { return nil }
                current = array[index]
            default:
                return nil
            }
        }
        return current
    }
}

/// Value helpers shared by the schema checker and the validator.
enum JSONSemantics {
    /// The JSON Schema type names.
    static let typeNames: Set<String> = ["null", "boolean", "object", "array", "number", "string", "integer"]

    /// The numeric value of a number, if this is one.
    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let int): Double(int)
        case .double(let double): double
        default: nil
        }
    }

    /// Whether `value` is a number with no fractional part (JSON Schema treats `1.0` as an integer).
    static func isInteger(_ value: JSONValue) -> Bool {
        switch value {
        case .int: true
        case .double(let double): double.isFinite && double.rounded(.towardZero) == double
        default: false
        }
    }

    /// Whether `value` is an instance of the named type.
    static func matches(_ value: JSONValue, type name: String) -> Bool {
        switch (name, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): true
        case ("number", .int), ("number", .double): true
        case ("integer", _): isInteger(value)
        default: false
        }
    }

    /// The type name of an instance, for messages.
    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double(let double): isInteger(.double(double)) ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// A form in which numerically equal values are equal (`1` and `1.0`), for `enum`, `const` and `uniqueItems`.
    static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .double(let double):
            if let int = Int64(exactly: double) { return .int(int) }
            return value
        case .array(let array): return .array(array.map(canonical))
        case .object(let object): return .object(object.mapValues(canonical))
        default: return value
        }
    }

    /// A non-negative integer keyword value (`minLength`, `maxItems`, …).
    static func nonNegativeInteger(_ value: JSONValue) -> Int? {
        guard let int = value.intValue, int >= 0 else { return nil }
        return int
    }
}
