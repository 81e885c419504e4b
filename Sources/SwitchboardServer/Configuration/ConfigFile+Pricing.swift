import SwitchboardCore
import Yams

extension ConfigFile {
    static let priceFields: Set = ["input", "cached_input", "output", "max_output_tokens"]

    /// Reads `pricing: {MODEL: {input, cached_input, output, max_output_tokens}}`, USD per million tokens.
    mutating func readPricing(_ node: Node) {
        if node.scalar?.string.isEmpty == true || Self.isNull(node) { return }
        guard let mapping = node.mapping else {
            problems.append(problem("pricing", node, "must be a mapping of model names to prices"))
            return
        }
        for (keyNode, value) in mapping {
            let model = keyNode.string ?? ""
            let path = "pricing.\(model)"
            var numbers: [String: Double] = [:]
            for (fieldNode, fieldValue) in value.mapping ?? [:] {
                let field = fieldNode.string ?? ""
                guard Self.priceFields.contains(field) else {
                    problems.append(problem("\(path).\(field)", fieldNode, "unknown key; expected one of \(Self.priceFields.sorted().joined(separator: ", "))"))
                    continue
                }
                guard let number = fieldValue.scalar.flatMap({ Double($0.string) }), number >= 0 else {
                    problems.append(problem("\(path).\(field)", fieldValue, "must be a non-negative number"))
                    continue
                }
                numbers[field] = number
            }
            guard let input = numbers["input"], let output = numbers["output"] else {
                problems.append(problem(path, value, "needs 'input' and 'output' (USD per million tokens)"))
                continue
            }
            prices[model] = ModelPrice(
                inputPerMillion: input, cachedInputPerMillion: numbers["cached_input"], outputPerMillion: output,
                maxOutputTokens: numbers["max_output_tokens"].map { Int($0) }
            )
        }
    }
}
