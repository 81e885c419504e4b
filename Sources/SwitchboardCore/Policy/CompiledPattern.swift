/// A configured regular expression, compiled once and shared across requests.
///
/// `Regex` is not declared `Sendable`, but it is an immutable value whose compiled program is published
/// atomically on first use; the initialiser also forces that compilation so concurrent readers only read.
final class CompiledPattern: @unchecked Sendable {
    /// The pattern as configured.
    let source: String
    private let regex: Regex<AnyRegexOutput>

    /// Compiles `source`, or returns `nil` when it is not a valid pattern.
    init?(_ source: String) {
        guard let regex = try? Regex(source) else { return nil }
        self.source = source
        self.regex = regex
        _ = "".contains(regex)
    }

    /// Whether the pattern matches anywhere in `text` (an unanchored search, as JSON Schema `pattern` requires).
    func matches(in text: String) -> Bool {
        text.contains(regex)
    }
}
