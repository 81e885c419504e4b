import Foundation
import Logging
import SwitchboardCore

/// Keeps credentials out of log lines: metadata under a sensitive name is replaced whole, and every other
/// value and message passes through ``SecretScrubber``.
struct LogRedaction: Sendable {
    /// Metadata names (lowercased, `-` and `_` ignored) whose values are never written.
    static let sensitiveNames: Set<String> = [
        "authorization", "proxyauthorization", "cookie", "setcookie", "apikey", "xapikey", "apikeyheader", "key", "secret",
        "token", "password", "adminkey", "virtualkey", "providerkey", "bearer", "accesstoken", "refreshtoken", "metricstoken",
    ]

    static let redacted = "[REDACTED]"

    /// Fields the gateway itself writes, never secret, written as they are: identifiers it issues or validates
    /// (request ids are 1 to 128 characters of a safe alphabet, key ids are public, trace ids are 32 hex digits
    /// the W3C parser checked; a generated one looks like a key to the scrubber's long-token rule), names from
    /// its configuration, and the completion line's numbers. Checked first, so that a request's line skips
    /// the name normalisation below. The public `model` is not here: the client chooses it. A `switch`, not a
    /// set: comparing these short names is cheaper than hashing each of a line's twenty.
    static func isOwnField(_ name: String) -> Bool {
        switch name {
        case "request_id", "key_id", "tenant", "provider", "upstream_model", "deployment", "error_type", "event", "trace_id",
             "status", "latency_ms", "ttfb_ms", "prompt_tokens", "completion_tokens", "cached_tokens", "cost_usd", "cache_hit",
             "attempts", "streamed", "client_disconnected", "tokens_estimated":
            true
        default:
            false
        }
    }

    /// Whether a metadata name is one whose value is never logged.
    static func isSensitive(_ name: String) -> Bool {
        let normalised = name.lowercased().filter { $0 != "-" && $0 != "_" && $0 != "." }
        return sensitiveNames.contains(normalised) || normalised.hasSuffix("apikey") || normalised.hasSuffix("secret")
            || normalised.hasSuffix("password")
    }

    /// The text with key-like tokens replaced.
    static func scrub(_ text: String) -> String { SecretScrubber.scrub(text) }

    /// A metadata value made safe to write.
    static func redact(_ value: Logger.MetadataValue, name: String) -> Logger.MetadataValue {
        if isOwnField(name) { return value }
        if isSensitive(name) { return .string(redacted) }
        switch value {
        case .string(let text): return .string(scrub(text))
        case .stringConvertible(let convertible):
            if convertible is Int || convertible is Double || convertible is Bool { return value }
            return .string(scrub(convertible.description))
        case .array(let values): return .array(values.map { redact($0, name: "") })
        case .dictionary(let values): return .dictionary(values.reduce(into: [:]) { $0[$1.key] = redact($1.value, name: $1.key) })
        }
    }
}

/// Removes personal data from prompt and completion text before it is logged (only when prompt logging is
/// enabled): e-mail addresses, phone numbers, payment card numbers and keys.
enum PIIRedaction {
    private static let patterns: [(NSRegularExpression, String)] = [
        (#"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"#, "[EMAIL]"),
        (#"\b(?:\d[ -]?){13,19}\b"#, "[CARD]"),
        (#"(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?)?\d{2,4}[ .-]\d{3,4}[ .-]?\d{3,4}\b"#, "[PHONE]"),
        (#"\b(?:sk|pk|rk|key)[-_][A-Za-z0-9_-]{12,}"#, "[KEY]"),
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1) }

    /// The text with personal data replaced by placeholders.
    static func redact(_ text: String) -> String {
        var result = text
        for (pattern, replacement) in patterns {
            result = pattern.stringByReplacingMatches(
                in: result, range: NSRange(result.startIndex..., in: result), withTemplate: replacement
            )
        }
        return SecretScrubber.scrub(result)
    }
}
