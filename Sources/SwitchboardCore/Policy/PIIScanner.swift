import Foundation

/// A kind of personal data or secret the content policy detects.
public enum PIIKind: String, Sendable, Hashable, CaseIterable {
    case email
    case phone
    case paymentCard = "payment_card"
    case apiKey = "api_key"

    /// The rule name used in errors and findings, e.g. `pii.email`.
    public var ruleName: String { "pii.\(rawValue)" }
    /// The text that replaces a redacted match, e.g. `[REDACTED:email]`.
    public var redaction: String { "[REDACTED:\(rawValue)]" }
}

/// One detected span, in UTF-8 byte offsets of the scanned text.
struct PIIMatch: Equatable {
    var kind: PIIKind
    var range: Range<Int>
}

/// Hand-written scanners for personal data and secrets, working on UTF-8 bytes.
///
/// Every pattern is ASCII, and ASCII bytes never occur inside a multi-byte UTF-8 sequence, so byte offsets
/// found here always fall on character boundaries and redaction keeps the text valid.
enum PIIScanner {
    /// Every match, non-overlapping and sorted. Overlaps go to the more specific kind: known key formats,
    /// then emails, card numbers (Luhn-checked, so they are never taken for phones), phones, generic tokens.
    static func scan(_ text: String) -> [PIIMatch] {
        let bytes = Array(text.utf8)
        let (keys, tokens) = keyMatches(bytes)
        let ordered = [keys, emailMatches(bytes), cardMatches(bytes), phoneMatches(bytes), tokens]
        guard ordered.contains(where: { !$0.isEmpty }) else { return [] }
        var claimed = [Bool](repeating: false, count: bytes.count)
        var accepted: [PIIMatch] = []
        for match in ordered.joined() where !claimed[match.range].contains(true) {
            for index in match.range { claimed[index] = true }
            accepted.append(match)
        }
        return accepted.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }

    /// `text` with the matches of the given kinds replaced by their redaction marker.
    static func redact(_ text: String, _ matches: [PIIMatch], kinds: Set<PIIKind>) -> String {
        let selected = matches.filter { kinds.contains($0.kind) }
        guard !selected.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var cursor = 0
        for match in selected {
            output.append(contentsOf: bytes[cursor..<match.range.lowerBound])
            output.append(contentsOf: match.kind.redaction.utf8)
            cursor = match.range.upperBound
        }
        output.append(contentsOf: bytes[cursor...])
        return String(decoding: output, as: UTF8.self)
    }

    // MARK: Character classes

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) }
    private static func isTokenByte(_ byte: UInt8) -> Bool { isAlphanumeric(byte) || byte == 0x5F || byte == 0x2D }  // _ -

    /// Whether the byte before `index` allows a match to start there (start of text or not alphanumeric).
    private static func startsWord(_ bytes: [UInt8], _ index: Int) -> Bool {
        index == 0 || !isAlphanumeric(bytes[index - 1])
    }

    // MARK: API keys

    private static let keyPrefixes: [(prefix: [UInt8], minimumLength: Int)] = [
        (Array("sk-".utf8), 23),  // sk-…, sk-proj-…, sk-ant-…, sk-sb-…
        (Array("ghp_".utf8), 40), (Array("gho_".utf8), 40), (Array("ghu_".utf8), 40),
        (Array("ghs_".utf8), 40), (Array("ghr_".utf8), 40), (Array("github_pat_".utf8), 40),
    ]

    /// Known key formats, and generic high-entropy tokens (returned apart: they have the lowest priority).
    private static func keyMatches(_ bytes: [UInt8]) -> (known: [PIIMatch], generic: [PIIMatch]) {
        var known: [PIIMatch] = []
        var generic: [PIIMatch] = []
        var index = 0
        while index < bytes.count {
            guard isTokenByte(bytes[index]) else { index += 1; continue }
            var end = index
            while end < bytes.count, isTokenByte(bytes[end]) { end += 1 }
            let token = bytes[index..<end]
            if isKnownKey(token) {
                known.append(PIIMatch(kind: .apiKey, range: index..<end))
            } else if isHighEntropyToken(token) {
                generic.append(PIIMatch(kind: .apiKey, range: index..<end))
            }
            index = end
        }
        return (known, generic)
    }

    private static func isKnownKey(_ token: ArraySlice<UInt8>) -> Bool {
        for (prefix, minimumLength) in keyPrefixes where token.count >= minimumLength && token.starts(with: prefix) {
            return true
        }
        // AWS access key ids: AKIA (long-term) or ASIA (temporary) and 16 upper-case letters or digits.
        if token.count == 20, token.starts(with: "AKIA".utf8) || token.starts(with: "ASIA".utf8) {
            return token.dropFirst(4).allSatisfy { isDigit($0) || ($0 >= 0x41 && $0 <= 0x5A) }
        }
        return false
    }

    /// 32+ characters with letters and digits and at least 3.5 bits of entropy per character.
    private static func isHighEntropyToken(_ token: ArraySlice<UInt8>) -> Bool {
        guard token.count >= 32, token.contains(where: isDigit), token.contains(where: isLetter) else { return false }
        var counts = [Int](repeating: 0, count: 128)
        for byte in token { counts[Int(byte)] += 1 }
        let length = Double(token.count)
        let entropy = counts.reduce(0.0) { sum, count in
            guard count > 0 else { return sum }
            let share = Double(count) / length
            return sum - share * log2(share)
        }
        return entropy >= 3.5
    }

    // MARK: Emails

    private static func isLocalByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == 0x2E || byte == 0x5F || byte == 0x25 || byte == 0x2B || byte == 0x2D  // . _ % + -
    }

    private static func isDomainByte(_ byte: UInt8) -> Bool { isAlphanumeric(byte) || byte == 0x2E || byte == 0x2D }

    private static func emailMatches(_ bytes: [UInt8]) -> [PIIMatch] {
        var matches: [PIIMatch] = []
        var searchFrom = 0
        for at in bytes.indices where bytes[at] == 0x40 && at >= searchFrom {
            var start = at
            while start > searchFrom, isLocalByte(bytes[start - 1]) { start -= 1 }
            while start < at, bytes[start] == 0x2E { start += 1 }
            var end = at + 1
            while end < bytes.count, isDomainByte(bytes[end]) { end += 1 }
            while end > at + 1, bytes[end - 1] == 0x2E || bytes[end - 1] == 0x2D { end -= 1 }
            guard start < at, isDomain(bytes[(at + 1)..<end]) else { continue }
            matches.append(PIIMatch(kind: .email, range: start..<end))
            searchFrom = end
        }
        return matches
    }

    /// Labels separated by dots, none empty, ending in a top-level domain of two or more letters.
    private static func isDomain(_ domain: ArraySlice<UInt8>) -> Bool {
        let labels = domain.split(separator: 0x2E, omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }), let top = labels.last else { return false }
        return top.count >= 2 && top.allSatisfy(isLetter)
    }
}
