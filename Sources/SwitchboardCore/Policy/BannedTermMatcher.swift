/// Finds banned terms case-insensitively on word boundaries, treating any whitespace run as one space.
struct BannedTermMatcher: Sendable {
    private let terms: [[Unicode.Scalar]]

    /// Prepares `terms`; returns the index of the first term that is empty after normalising, if any.
    init(terms: [String]) throws(ContentPolicy.ConfigurationError) {
        var normalized: [[Unicode.Scalar]] = []
        for (index, term) in terms.enumerated() {
            let scalars = Self.normalize(term)
            guard !scalars.isEmpty, !(scalars.count == 1 && scalars[0] == " ") else {
                throw .init("banned term #\(index) is empty")
            }
            normalized.append(scalars)
        }
        self.terms = normalized
    }

    var isEmpty: Bool { terms.isEmpty }

    /// The index of the first term (in configuration order) found in `text`.
    func firstMatch(in text: String) -> Int? {
        guard !terms.isEmpty else { return nil }
        let scalars = Self.normalize(text)
        for (index, term) in terms.enumerated() where Self.contains(term, in: scalars) {
            return index
        }
        return nil
    }

    /// Lower-cased scalars with every whitespace run collapsed to a single space and the ends trimmed.
    static func normalize(_ text: String) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for scalar in text.lowercased().unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !output.isEmpty
                continue
            }
            if pendingSpace { output.append(" ") }
            pendingSpace = false
            output.append(scalar)
        }
        return output
    }

    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    /// Whether `term` occurs in `text` with non-word neighbours, where the term's own edge is a word character.
    private static func contains(_ term: [Unicode.Scalar], in text: [Unicode.Scalar]) -> Bool {
        guard term.count <= text.count, let first = term.first, let last = term.last else { return false }
        let needsLeftBoundary = isWordScalar(first)
        let needsRightBoundary = isWordScalar(last)
        var start = 0
        while start + term.count <= text.count {
            defer { start += 1 }
            guard text[start] == first else { continue }
            if needsLeftBoundary, start > 0, isWordScalar(text[start - 1]) { continue }
            let end = start + term.count
            if needsRightBoundary, end < text.count, isWordScalar(text[end]) { continue }
            if text[start..<end].elementsEqual(term) { return true }
        }
        return false
    }
}
