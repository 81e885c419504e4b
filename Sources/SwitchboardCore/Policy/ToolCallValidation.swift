import Foundation

/// Checks a request's tool definitions and the tool calls a model made against them.
public struct ToolCallValidation: Sendable {
    /// What is wrong with one tool call.
    public enum Issue: Sendable, Equatable {
        /// The call names a tool the request did not define.
        case unknownTool
        /// `arguments` is not a JSON document.
        case argumentsNotJSON
        /// `arguments` is JSON but not an object.
        case argumentsNotObject
        /// `arguments` violates the tool's `parameters` schema.
        case schemaViolations([SchemaProblem])
    }

    /// The verdict on one tool call.
    public struct Verdict: Sendable, Equatable {
        /// The position of the call in the list validated.
        public var index: Int
        /// The call's `id`.
        public var callID: String
        /// The tool name the call used.
        public var toolName: String
        /// The problem, or `nil` when the call is valid.
        public var issue: Issue?

        /// Whether the call names a defined tool with arguments that satisfy its schema.
        public var isValid: Bool { issue == nil }
    }

    /// Validators by tool name; `nil` when a tool has no (or an invalid) schema, so only object-ness is checked.
    private let validators: [String: JSONSchemaValidator?]

    /// Prepares validators for `tools`. Run ``checkToolSchemas(_:)`` first: a tool whose schema is invalid is
    /// still known by name, but its arguments are only checked to be a JSON object.
    public init(tools: [ToolDefinition]) {
        var validators: [String: JSONSchemaValidator?] = [:]
        for tool in tools where !validators.keys.contains(tool.function.name) {
            let validator = tool.function.parameters.flatMap { try? JSONSchemaValidator(schema: $0) }
            validators.updateValue(validator, forKey: tool.function.name)
        }
        self.validators = validators
    }

    /// One verdict per call, in order.
    public func validate(_ calls: [ToolCall]) -> [Verdict] {
        calls.enumerated().map { index, call in
            Verdict(index: index, callID: call.id, toolName: call.function.name, issue: issue(with: call))
        }
    }

    private func issue(with call: ToolCall) -> Issue? {
        guard let validator = validators[call.function.name] else { return .unknownTool }
        guard let arguments = try? JSONDecoder().decode(JSONValue.self, from: Data(call.function.arguments.utf8)) else {
            return .argumentsNotJSON
        }
        guard case .object = arguments else { return .argumentsNotObject }
        guard let validator else { return nil }
        let problems = validator.validate(arguments)
        return problems.isEmpty ? nil : .schemaViolations(problems)
    }

    /// The first problem with a request's `tools`, as a 400 naming the field, or `nil` when they are valid.
    ///
    /// Checks that names match `^[a-zA-Z0-9_-]{1,64}$` and are unique, and that every `parameters` is a valid
    /// schema (``JSONSchemaValidator/checkSchema(_:)``) describing an object.
    public static func checkToolSchemas(_ tools: [ToolDefinition]) -> GatewayError? {
        var seen: Set<String> = []
        for (index, tool) in tools.enumerated() {
            let name = tool.function.name
            guard isValidName(name) else {
                let rule = "a function name must be 1 to 64 letters, digits, underscores or dashes"
                return .invalidRequest(
                    "Invalid 'tools[\(index)].function.name': \(rule).",
                    param: "tools[\(index)].function.name", code: "invalid_value"
                )
            }
            guard seen.insert(name).inserted else {
                return .invalidRequest(
                    "Invalid 'tools[\(index)].function.name': the function name '\(name)' is used by more than one tool.",
                    param: "tools[\(index)].function.name", code: "invalid_value"
                )
            }
            guard let parameters = tool.function.parameters else { continue }
            let field = "tools[\(index)].function.parameters"
            if let problem = JSONSchemaValidator.checkSchema(parameters).first {
                let location = problem.path.isEmpty ? "the root" : "'\(problem.path)'"
                return .invalidRequest(
                    "Invalid schema for function '\(name)' in '\(field)' at \(location): \(problem.message).",
                    param: field, code: "invalid_function_parameters"
                )
            }
            if let type = parameters["type"], !describesObject(type) {
                return .invalidRequest(
                    "Invalid schema for function '\(name)' in '\(field)': the schema must have type 'object'.",
                    param: field, code: "invalid_function_parameters"
                )
            }
        }
        return nil
    }

    /// OpenAI's rule for function names: `^[a-zA-Z0-9_-]{1,64}$`.
    static func isValidName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard (1...64).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default: false
            }
        }
    }

    private static func describesObject(_ type: JSONValue) -> Bool {
        switch type {
        case .string(let name): name == "object"
        case .array(let names): names.contains(.string("object"))
        default: false
        }
    }
}
