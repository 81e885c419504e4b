/// Checks that a JSON Schema uses the supported keywords with values of the right type, compiling its
/// patterns on the way so a validator can reuse them.
struct JSONSchemaChecker {
    /// Deeper schemas are rejected rather than walked, so hostile input cannot exhaust the stack.
    static let maxDepth = 64

    private let root: JSONValue
    private(set) var problems: [SchemaProblem] = []
    private(set) var patterns: [String: CompiledPattern] = [:]
    private var references: Set<String> = []

    init(root: JSONValue) {
        self.root = root
    }

    /// Checks the whole document, then that every reference resolves and no references loop in place.
    mutating func run() {
        check(root, path: "", depth: 0)
        checkReferenceCycles()
    }

    private mutating func problem(_ path: String, _ message: String) {
        problems.append(SchemaProblem(path: path, message: message))
    }

    private mutating func check(_ schema: JSONValue, path: String, depth: Int) {
        if case .bool = schema { return }
        guard case .object(let object) = schema else {
            return problem(path, "a schema must be an object or a boolean")
        }
        guard depth < Self.maxDepth else {
            return problem(path, "the schema nests deeper than \(Self.maxDepth) levels")
        }
        for key in object.keys.sorted() {
            let value = object[key]!
            let keyPath = JSONPointer.appending(path, key)
            switch key {
            case "type": checkType(value, path: keyPath)
            case "properties", "$defs", "definitions":
                guard case .object(let members) = value else {
                    problem(keyPath, "'\(key)' must be an object of schemas")
                    continue
                }
                for name in members.keys.sorted() {
                    check(members[name]!, path: JSONPointer.appending(keyPath, name), depth: depth + 1)
                }
            case "additionalProperties", "not":
                check(value, path: keyPath, depth: depth + 1)
            case "items":
                // The array form is the pre-2020-12 tuple syntax; accept it as `prefixItems`, as upstreams do.
                if case .array = value { checkSchemaList(value, key: key, path: keyPath, depth: depth, allowEmpty: true) }
                else { check(value, path: keyPath, depth: depth + 1) }
            case "prefixItems", "anyOf", "oneOf", "allOf":
                checkSchemaList(value, key: key, path: keyPath, depth: depth, allowEmpty: false)
            case "required":
                guard case .array(let names) = value, names.allSatisfy({ $0.stringValue != nil }) else {
                    problem(keyPath, "'required' must be an array of strings")
                    continue
                }
            case "enum":
                if case .array = value { continue }
                problem(keyPath, "'enum' must be an array")
            case "minItems", "maxItems", "minLength", "maxLength":
                if JSONSemantics.nonNegativeInteger(value) == nil { problem(keyPath, "'\(key)' must be a non-negative integer") }
            case "uniqueItems":
                if case .bool = value { continue }
                problem(keyPath, "'uniqueItems' must be a boolean")
            case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
                if JSONSemantics.number(value) == nil { problem(keyPath, "'\(key)' must be a number") }
            case "multipleOf":
                guard let divisor = JSONSemantics.number(value), divisor > 0 else {
                    problem(keyPath, "'multipleOf' must be a number greater than 0")
                    continue
                }
            case "pattern": checkPattern(value, path: keyPath)
            case "$ref": checkReference(value, path: keyPath)
            default:
                continue  // `const`, `format` and annotations take any value; unknown keywords are annotations.
            }
        }
    }

    private mutating func checkType(_ value: JSONValue, path: String) {
        switch value {
        case .string(let name):
            if !JSONSemantics.typeNames.contains(name) { problem(path, "unknown type '\(name)'") }
        case .array(let names) where !names.isEmpty:
            var seen: Set<String> = []
            for (index, entry) in names.enumerated() {
                guard let name = entry.stringValue, JSONSemantics.typeNames.contains(name) else {
                    problem(JSONPointer.appending(path, index), "each type must be one of \(Self.typeList)")
                    continue
                }
                if !seen.insert(name).inserted { problem(JSONPointer.appending(path, index), "type '\(name)' is listed twice") }
            }
        default:
            problem(path, "'type' must be a type name or a non-empty array of type names")
        }
    }

    private static let typeList = "null, boolean, object, array, number, string, integer"

    private mutating func checkSchemaList(_ value: JSONValue, key: String, path: String, depth: Int, allowEmpty: Bool) {
        guard case .array(let schemas) = value, allowEmpty || !schemas.isEmpty else {
            return problem(path, "'\(key)' must be a non-empty array of schemas")
        }
        for (index, schema) in schemas.enumerated() {
            check(schema, path: JSONPointer.appending(path, index), depth: depth + 1)
        }
    }

    private mutating func checkPattern(_ value: JSONValue, path: String) {
        guard let source = value.stringValue else { return problem(path, "'pattern' must be a string") }
        if patterns[source] != nil { return }
        guard let compiled = CompiledPattern(source) else { return problem(path, "'pattern' is not a valid regular expression") }
        patterns[source] = compiled
    }

    private mutating func checkReference(_ value: JSONValue, path: String) {
        guard let reference = value.stringValue else { return problem(path, "'$ref' must be a string") }
        guard reference.hasPrefix("#") else {
            return problem(path, "only local references ('#/$defs/…') are supported")
        }
        switch JSONPointer.resolve(reference, in: root) {
        case .object, .bool: break
        case nil: return problem(path, "the reference '\(reference)' does not resolve")
        default: return problem(path, "the reference '\(reference)' does not point to a schema")
        }
        references.insert(reference)
    }

    // MARK: Reference cycles

    /// A reference cycle that never descends into the instance (`a` → `allOf` → `b` → `a`) would loop forever;
    /// cycles through `properties` or `items` are fine because each step consumes part of the instance.
    private mutating func checkReferenceCycles() {
        guard problems.isEmpty, !references.isEmpty else { return }
        var edges: [String: [String]] = [:]
        for node in references.union(["#"]) {
            guard let target = JSONPointer.resolve(node, in: root) else { continue }
            edges[node] = Self.inPlaceReferences(of: target)
        }
        // Iterative depth-first search with colours: 1 = on the stack, 2 = finished.
        var colour: [String: Int] = [:]
        for start in edges.keys.sorted() where colour[start] == nil {
            var stack: [(node: String, next: Int)] = [(start, 0)]
            colour[start] = 1
            while let top = stack.last {
                let successors = edges[top.node] ?? []
                guard top.next < successors.count else {
                    colour[top.node] = 2
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let next = successors[top.next]
                switch colour[next] {
                case 1: return problem("", "the reference '\(next)' forms a cycle that never reaches a value")
                case 2: continue
                default:
                    colour[next] = 1
                    stack.append((next, 0))
                }
            }
        }
    }

    /// References a schema applies to the same instance: its own `$ref` and those inside `allOf`, `anyOf`,
    /// `oneOf` and `not`, without following references.
    private static func inPlaceReferences(of schema: JSONValue) -> [String] {
        var found: [String] = []
        var pending: [(JSONValue, Int)] = [(schema, 0)]
        while let (current, depth) = pending.popLast() {
            guard case .object(let object) = current, depth < maxDepth else { continue }
            if let reference = object["$ref"]?.stringValue { found.append(reference) }
            for key in ["allOf", "anyOf", "oneOf"] {
                for branch in object[key]?.arrayValue ?? [] { pending.append((branch, depth + 1)) }
            }
            if let negated = object["not"] { pending.append((negated, depth + 1)) }
        }
        return found
    }
}
