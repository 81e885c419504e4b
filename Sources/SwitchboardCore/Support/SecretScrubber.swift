/// Removes anything that looks like a credential from text that may reach a client or a log, such as an
/// upstream error message that echoes the key it was sent.
public enum SecretScrubber {
    /// Prefixes of well-known key formats (OpenAI, Anthropic, Switchboard virtual keys, bearer tokens).
    private static let keyPrefixes = ["sk-", "sk_", "key-", "Bearer "]

    /// Returns `text` with every key-like token replaced by `[REDACTED]`.
    public static func scrub(_ text: String) -> String {
        guard mayHoldSecret(text) else { return text }
        var words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        var index = 0
        while index < words.count {
            let word = words[index]
            if word == "Bearer", index + 1 < words.count {
                words[index + 1] = "[REDACTED]"
                index += 2
                continue
            }
            if looksLikeSecret(word) { words[index] = "[REDACTED]" }
            index += 1
        }
        return words.joined(separator: " ")
    }

    /// A cheap byte scan that rules out most text (model names, ids, numbers): a secret needs a word of at
    /// least 20 bytes, or the word `Bearer` before it.
    static func mayHoldSecret(_ text: String) -> Bool {
        var run = 0
        var bearer = 0
        let word = Array("Bearer".utf8)
        for byte in text.utf8 {
            if byte == UInt8(ascii: " ") {
                if bearer == word.count { return true }
                run = 0
                bearer = 0
                continue
            }
            run += 1
            if run >= 20 { return true }
            bearer = (bearer < word.count && run == bearer + 1 && byte == word[bearer]) ? bearer + 1 : word.count + 1
        }
        return false
    }

    /// A token is secret-like when it starts with a key prefix and is long, or is a long unbroken run of
    /// key alphabet characters (hex or base64-style API keys).
    private static func looksLikeSecret(_ word: String) -> Bool {
        let token = word.trimmingCharacters(in: "\"'.,;:()[]{}<>")
        let keyAlphabet = token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        if keyPrefixes.contains(where: { token.hasPrefix($0) }) && token.count >= 20 { return true }
        let hasDigit = token.contains(where: \.isNumber)
        let hasLetter = token.contains(where: \.isLetter)
        return keyAlphabet && hasDigit && hasLetter && token.count >= 32
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var slice = self[...]
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
