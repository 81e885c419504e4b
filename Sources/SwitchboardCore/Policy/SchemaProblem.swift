/// One problem found in a JSON Schema or in an instance validated against one.
public struct SchemaProblem: Sendable, Equatable, CustomStringConvertible {
    /// A JSON pointer: into the schema (`/properties/city/type`) for schema problems, into the instance
    /// (`/items/2`) for violations. The empty string is the root.
    public var path: String
    /// What is wrong, without echoing instance values.
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path.isEmpty ? "/" : path): \(message)" }
}
