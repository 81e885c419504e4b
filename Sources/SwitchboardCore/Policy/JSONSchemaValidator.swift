/// Validates JSON instances against a JSON Schema, covering the draft 2020-12 keywords models use.
///
/// Supported: `type`, `properties`, `required`, `additionalProperties`, `enum`, `const`, `items`,
/// `prefixItems`, `minItems`, `maxItems`, `uniqueItems`, `minLength`, `maxLength`, `pattern`, `minimum`,
/// `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`, `anyOf`, `oneOf`, `allOf`, `not`, and
/// local `$ref`s. `format` and annotations are ignored. Validation is bounded in depth, work and problems.
public struct JSONSchemaValidator: Sendable {
    /// The schema failed ``JSONSchemaValidator/checkSchema(_:)``.
    public struct InvalidSchema: Error, Sendable, Equatable {
        /// Every problem found, with schema paths.
        public var problems: [SchemaProblem]
    }

    /// The schema, as given.
    public let schema: JSONValue
    /// Validation stops after this many problems.
    public let maxProblems: Int
    private let patterns: [String: CompiledPattern]

    /// Checks `schema` and prepares it for validation.
    /// - Parameters:
    ///   - schema: A JSON Schema; it must pass ``checkSchema(_:)``.
    ///   - maxProblems: The most problems ``validate(_:)`` reports.
    public init(schema: JSONValue, maxProblems: Int = 20) throws(InvalidSchema) {
        var checker = JSONSchemaChecker(root: schema)
        checker.run()
        guard checker.problems.isEmpty else { throw InvalidSchema(problems: checker.problems) }
        self.schema = schema
        self.maxProblems = max(1, maxProblems)
        self.patterns = checker.patterns
    }

    /// The problems that make `schema` invalid for the supported subset; empty when it is valid.
    ///
    /// Unknown keywords are annotations and allowed; known keywords with values of the wrong type, unknown
    /// type names, negative bounds, invalid patterns, and unresolvable or looping references are problems.
    public static func checkSchema(_ schema: JSONValue) -> [SchemaProblem] {
        var checker = JSONSchemaChecker(root: schema)
        checker.run()
        return checker.problems
    }

    /// Every violation of the schema by `instance` (up to ``maxProblems``), with instance paths.
    public func validate(_ instance: JSONValue) -> [SchemaProblem] {
        var evaluation = SchemaEvaluation(root: schema, patterns: patterns, limit: maxProblems)
        evaluation.evaluate(schema, instance, path: "", depth: 0)
        if evaluation.exhausted, evaluation.problems.count < maxProblems {
            evaluation.problems.append(SchemaProblem(path: "", message: "validation stopped: the schema is too complex"))
        }
        return evaluation.problems
    }

    /// Whether `instance` satisfies the schema.
    public func isValid(_ instance: JSONValue) -> Bool {
        var evaluation = SchemaEvaluation(root: schema, patterns: patterns, limit: 1)
        evaluation.evaluate(schema, instance, path: "", depth: 0)
        return evaluation.problems.isEmpty && !evaluation.exhausted
    }
}

/// One validation run: collects problems and counts work so hostile schemas stay cheap.
private struct SchemaEvaluation {
    static let maxDepth = 128
    static let maxSteps = 100_000

    let root: JSONValue
    let patterns: [String: CompiledPattern]
    var limit: Int
    var problems: [SchemaProblem] = []
    var steps = 0
    var exhausted = false

    init(root: JSONValue, patterns: [String: CompiledPattern], limit: Int) {
        self.root = root
        self.patterns = patterns
        self.limit = limit
    }

    private var isDone: Bool { exhausted || problems.count >= limit }

    private mutating func fail(_ path: String, _ message: String) {
        if problems.count < limit { problems.append(SchemaProblem(path: path, message: message)) }
    }

    /// Whether `instance` passes `schema`, without reporting its problems.
    private mutating func passes(_ schema: JSONValue, _ instance: JSONValue, path: String, depth: Int) -> Bool {
        let (savedProblems, savedLimit) = (problems, limit)
        (problems, limit) = ([], 1)
        evaluate(schema, instance, path: path, depth: depth)
        let passed = problems.isEmpty && !exhausted
        (problems, limit) = (savedProblems, savedLimit)
        return passed
    }

    mutating func evaluate(_ schema: JSONValue, _ instance: JSONValue, path: String, depth: Int) {
        guard !isDone else { return }
        steps += 1
        if steps > Self.maxSteps { exhausted = true; return }
        guard depth < Self.maxDepth else { return fail(path, "the value nests too deeply to validate") }
        if case .bool(let allowed) = schema {
            if !allowed { fail(path, "no value is allowed here") }
            return
        }
        guard case .object(let keywords) = schema else { return }
        if let reference = keywords["$ref"]?.stringValue, let target = JSONPointer.resolve(reference, in: root) {
            evaluate(target, instance, path: path, depth: depth + 1)
        }
        checkType(keywords, instance, path: path)
        checkValue(keywords, instance, path: path)
        switch instance {
        case .int, .double: checkNumber(keywords, JSONSemantics.number(instance)!, instance, path: path)
        case .string(let string): checkString(keywords, string, path: path)
        case .array(let array): checkArray(keywords, array, path: path, depth: depth)
        case .object(let object): checkObject(keywords, object, path: path, depth: depth)
        case .null, .bool: break
        }
        checkCombinators(keywords, instance, path: path, depth: depth)
    }

    private mutating func checkType(_ keywords: [String: JSONValue], _ instance: JSONValue, path: String) {
        guard let type = keywords["type"] else { return }
        let names = type.stringValue.map { [$0] } ?? (type.arrayValue ?? []).compactMap(\.stringValue)
        if names.contains(where: { JSONSemantics.matches(instance, type: $0) }) { return }
        let expected = names.joined(separator: " or ")
        fail(path, "expected \(expected), got \(JSONSemantics.typeName(instance))")
    }

    private mutating func checkValue(_ keywords: [String: JSONValue], _ instance: JSONValue, path: String) {
        guard keywords["enum"] != nil || keywords["const"] != nil else { return }
        let value = JSONSemantics.canonical(instance)
        if let allowed = keywords["enum"]?.arrayValue, !allowed.contains(where: { JSONSemantics.canonical($0) == value }) {
            fail(path, "the value is not one of the \(allowed.count) allowed values")
        }
        if let constant = keywords["const"], JSONSemantics.canonical(constant) != value {
            fail(path, "the value does not equal the required constant")
        }
    }

    private mutating func checkNumber(_ keywords: [String: JSONValue], _ number: Double, _ instance: JSONValue, path: String) {
        if let bound = keywords["minimum"].flatMap(JSONSemantics.number), number < bound {
            fail(path, "must be at least \(Self.format(bound))")
        }
        if let bound = keywords["maximum"].flatMap(JSONSemantics.number), number > bound {
            fail(path, "must be at most \(Self.format(bound))")
        }
        if let bound = keywords["exclusiveMinimum"].flatMap(JSONSemantics.number), number <= bound {
            fail(path, "must be greater than \(Self.format(bound))")
        }
        if let bound = keywords["exclusiveMaximum"].flatMap(JSONSemantics.number), number >= bound {
            fail(path, "must be less than \(Self.format(bound))")
        }
        if let divisor = keywords["multipleOf"], !Self.isMultiple(instance, of: divisor) {
            fail(path, "must be a multiple of \(Self.format(JSONSemantics.number(divisor) ?? 0))")
        }
    }

    private static func isMultiple(_ instance: JSONValue, of divisor: JSONValue) -> Bool {
        if case .int(let value) = instance, case .int(let step) = divisor, step > 0 { return value % step == 0 }
        guard let value = JSONSemantics.number(instance), let step = JSONSemantics.number(divisor), step > 0 else { return true }
        let quotient = value / step
        guard quotient.isFinite else { return false }
        return abs(quotient - quotient.rounded()) <= 1e-9 * max(1, abs(quotient))
    }

    private static func format(_ number: Double) -> String {
        if let int = Int64(exactly: number) { return String(int) }
        return String(number)
    }

    private mutating func checkString(_ keywords: [String: JSONValue], _ string: String, path: String) {
        let minimum = keywords["minLength"].flatMap(JSONSemantics.nonNegativeInteger)
        let maximum = keywords["maxLength"].flatMap(JSONSemantics.nonNegativeInteger)
        if minimum != nil || maximum != nil {
            // JSON Schema counts code points, not grapheme clusters.
            let length = string.unicodeScalarCount
            if let minimum, length < minimum { fail(path, "must be at least \(minimum) characters long") }
            if let maximum, length > maximum { fail(path, "must be at most \(maximum) characters long") }
        }
        if let source = keywords["pattern"]?.stringValue, let pattern = patterns[source], !pattern.matches(in: string) {
            fail(path, "does not match the pattern '\(source)'")
        }
    }

    private mutating func checkArray(_ keywords: [String: JSONValue], _ array: [JSONValue], path: String, depth: Int) {
        if let minimum = keywords["minItems"].flatMap(JSONSemantics.nonNegativeInteger), array.count < minimum {
            fail(path, "must have at least \(minimum) items")
        }
        if let maximum = keywords["maxItems"].flatMap(JSONSemantics.nonNegativeInteger), array.count > maximum {
            fail(path, "must have at most \(maximum) items")
        }
        if keywords["uniqueItems"] == .bool(true) {
            var seen: Set<JSONValue> = []
            for (index, item) in array.enumerated() where !seen.insert(JSONSemantics.canonical(item)).inserted {
                fail(JSONPointer.appending(path, index), "duplicates an earlier item; items must be unique")
                break
            }
        }
        var prefix = keywords["prefixItems"]?.arrayValue ?? []
        var rest = keywords["items"]
        if case .array(let tuple) = rest {
            prefix = tuple
            rest = nil
        }
        guard !prefix.isEmpty || rest != nil else { return }
        for (index, item) in array.enumerated() {
            guard !isDone else { return }
            let itemSchema = index < prefix.count ? prefix[index] : rest
            if let itemSchema { evaluate(itemSchema, item, path: JSONPointer.appending(path, index), depth: depth + 1) }
        }
    }

    private mutating func checkObject(_ keywords: [String: JSONValue], _ object: [String: JSONValue], path: String, depth: Int) {
        for name in keywords["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] == nil {
            fail(JSONPointer.appending(path, name), "the required property '\(name)' is missing")
        }
        let properties = keywords["properties"]?.objectValue ?? [:]
        let additional = keywords["additionalProperties"]
        guard !properties.isEmpty || additional != nil else { return }
        for name in object.keys.sorted() {
            guard !isDone else { return }
            let memberPath = JSONPointer.appending(path, name)
            if let propertySchema = properties[name] {
                evaluate(propertySchema, object[name]!, path: memberPath, depth: depth + 1)
            } else if additional == .bool(false) {
                fail(memberPath, "the property '\(name)' is not allowed")
            } else if let additional {
                evaluate(additional, object[name]!, path: memberPath, depth: depth + 1)
            }
        }
    }

    private mutating func checkCombinators(_ keywords: [String: JSONValue], _ instance: JSONValue, path: String, depth: Int) {
        for branch in keywords["allOf"]?.arrayValue ?? [] {
            evaluate(branch, instance, path: path, depth: depth + 1)
        }
        if let branches = keywords["anyOf"]?.arrayValue, !isDone,
            !branches.contains(where: { passes($0, instance, path: path, depth: depth + 1) })
        {
            fail(path, "the value matches none of the \(branches.count) 'anyOf' schemas")
        }
        if let branches = keywords["oneOf"]?.arrayValue, !isDone {
            var matched = 0
            for branch in branches where passes(branch, instance, path: path, depth: depth + 1) {
                matched += 1
                if matched > 1 { break }
            }
            if matched == 0 { fail(path, "the value matches none of the \(branches.count) 'oneOf' schemas") }
            if matched > 1 { fail(path, "the value matches more than one 'oneOf' schema; exactly one is required") }
        }
        if let negated = keywords["not"], !isDone, passes(negated, instance, path: path, depth: depth + 1) {
            fail(path, "the value must not match the 'not' schema")
        }
    }
}
