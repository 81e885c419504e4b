/// Card numbers and phone numbers: runs of digit groups with separators.
extension PIIScanner {
    /// A run of digits in the text, as byte offsets.
    private struct DigitGroup {
        var range: Range<Int>
        var digits: ArraySlice<UInt8>
    }

    /// Card numbers: 13–19 digits in groups separated by single spaces or dashes, passing the Luhn check.
    /// Digits glued to a longer number on either side are tried group by group, longest first.
    static func cardMatches(_ bytes: [UInt8]) -> [PIIMatch] {
        var matches: [PIIMatch] = []
        var index = 0
        while index < bytes.count {
            // A number after `+` is an international phone, never a card.
            let free = index == 0 || !isAlphanumeric(bytes[index - 1]) && bytes[index - 1] != 0x2B
            guard isDigit(bytes[index]), free else { index += 1; continue }
            var groups: [DigitGroup] = []
            var cursor = index
            while true {
                let start = cursor
                while cursor < bytes.count, isDigit(bytes[cursor]) { cursor += 1 }
                groups.append(DigitGroup(range: start..<cursor, digits: bytes[start..<cursor]))
                let separated = cursor + 1 < bytes.count && (bytes[cursor] == 0x20 || bytes[cursor] == 0x2D)
                guard separated, isDigit(bytes[cursor + 1]) else { break }
                cursor += 1
            }
            if cursor < bytes.count, isLetter(bytes[cursor]) {
                index = cursor
                continue
            }
            var first = 0
            while first < groups.count {
                var last = first
                var count = groups[first].digits.count
                var best: Int?
                while count <= 19 {
                    if count >= 13, passesLuhn(groups[first...last].lazy.flatMap(\.digits)) { best = last }
                    guard last + 1 < groups.count else { break }
                    last += 1
                    count += groups[last].digits.count
                }
                if let best {
                    let range = groups[first].range.lowerBound..<groups[best].range.upperBound
                    matches.append(PIIMatch(kind: .paymentCard, range: range))
                    first = best + 1
                } else {
                    first += 1
                }
            }
            index = cursor
        }
        return matches
    }

    /// The Luhn checksum used by payment card numbers.
    static func passesLuhn(_ digits: some Collection<UInt8>) -> Bool {
        var sum = 0
        for (position, byte) in digits.reversed().enumerated() {
            var digit = Int(byte - 0x30)
            if position % 2 == 1 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        return sum % 10 == 0
    }

    /// Phone numbers: 8–15 digits, either after a `+` or written with spaces, dashes or parentheses. A bare run
    /// of digits is not taken for a phone (it is more often an id, an amount or a timestamp), nor is an ISO date.
    static func phoneMatches(_ bytes: [UInt8]) -> [PIIMatch] {
        var matches: [PIIMatch] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let opens = byte == 0x2B || byte == 0x28 || isDigit(byte)  // + ( digit
            guard opens, index == 0 || !isAlphanumeric(bytes[index - 1]) && bytes[index - 1] != 0x2B else {
                index += 1
                continue
            }
            var cursor = byte == 0x2B ? index + 1 : index
            var digits = 0
            var separators = 0
            var lastDigitEnd = cursor
            var groups: [Int] = []
            var run = 0
            while cursor < bytes.count {
                let current = bytes[cursor]
                if isDigit(current) {
                    digits += 1
                    run += 1
                    separators = 0
                    lastDigitEnd = cursor + 1
                } else if current == 0x20 || current == 0x2D || current == 0x28 || current == 0x29, separators < 2 {
                    if run > 0 { groups.append(run) }
                    run = 0
                    separators += 1
                } else {
                    break
                }
                cursor += 1
            }
            if run > 0 { groups.append(run) }
            let end = lastDigitEnd
            let formatted = byte == 0x2B || groups.count > 1
            let isDate = groups == [4, 2, 2] && digits == 8
            let glued = end < bytes.count && isAlphanumeric(bytes[end])
            if (8...15).contains(digits), formatted, !isDate, !glued {
                matches.append(PIIMatch(kind: .phone, range: index..<end))
            }
            index = max(end, index + 1)
        }
        return matches
    }
}
