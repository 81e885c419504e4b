import Foundation
import Logging
import NIOCore
import SwitchboardCore

/// Writes one JSON log line as UTF-8 bytes. Numbers and booleans given as `.stringConvertible` stay numbers
/// and booleans; everything else is a string, array or object. Strings are copied in runs between the bytes
/// that need escaping, rather than appended scalar by scalar.
struct JSONLineWriter {
    private var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    /// The line so far.
    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The bytes so far, in a buffer.
    var buffer: ByteBuffer { ByteBuffer(bytes: bytes) }

    mutating func open() { bytes.append(UInt8(ascii: "{")) }
    mutating func close() { bytes.append(UInt8(ascii: "}")) }

    /// `"name":`, after a comma unless it is the first member. The writer's own names are literals that need no
    /// escaping, so their bytes are copied as they are.
    mutating func name(_ name: StaticString, first: Bool = false) {
        assert(name.withUTF8Buffer { !$0.contains(where: Self.needsEscape) }, "\(name) needs escaping")
        if !first { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// A member named by metadata (escaped like any string), with a metadata value.
    mutating func member(named name: String, _ value: Logger.MetadataValue, first: Bool = false) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        string(name)
        bytes.append(UInt8(ascii: ":"))
        self.value(value)
    }

    /// A member whose value is an integer, written as `.stringConvertible(Int)` would be.
    mutating func member(_ name: StaticString, _ number: Int) {
        self.name(name)
        integer(number)
    }

    /// A member whose value is a flag, written as `.stringConvertible(Bool)` would be.
    mutating func member(_ name: StaticString, _ flag: Bool) {
        self.name(name)
        boolean(flag)
    }

    /// A member whose value is a number, written as `.stringConvertible(Double)` would be.
    mutating func member(_ name: StaticString, _ number: Double) {
        self.name(name)
        double(number)
    }

    /// A member whose value is a string.
    mutating func member(_ name: StaticString, _ text: String) {
        self.name(name)
        string(text)
    }

    /// A member whose value is a string or `null`.
    mutating func member(_ name: StaticString, _ text: String?, first: Bool = false) {
        self.name(name, first: first)
        if let text { string(text) } else { bytes.append(contentsOf: "null".utf8) }
    }

    private mutating func boolean(_ flag: Bool) {
        bytes.append(contentsOf: (flag ? "true" : "false").utf8)
    }

    /// A finite number as Swift spells it; JSON has no infinity or NaN, so those are `null`.
    private mutating func double(_ number: Double) {
        bytes.append(contentsOf: (number.isFinite ? String(number) : "null").utf8)
    }

    /// `number` in decimal, as `String(number)` spells it, without the intermediate string.
    private mutating func integer(_ number: Int) {
        guard number != 0 else { return bytes.append(UInt8(ascii: "0")) }
        if number < 0 { bytes.append(UInt8(ascii: "-")) }
        let start = bytes.count
        var rest = number.magnitude
        while rest > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        }
        // Swapped in place: reversing the slice (`bytes[start...].reverse()`) allocated a coroutine frame.
        var (low, high) = (start, bytes.count - 1)
        while low < high {
            bytes.swapAt(low, high)
            (low, high) = (low + 1, high - 1)
        }
    }

    mutating func value(_ value: Logger.MetadataValue) {
        switch value {
        case .string(let text):
            string(text)
        case .stringConvertible(let convertible):
            switch convertible {
            case let number as Int: integer(number)
            case let number as Double: double(number)
            case let flag as Bool: boolean(flag)
            default: string(convertible.description)
            }
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                self.value(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .dictionary(let values):
            open()
            for (index, name) in values.keys.sorted().enumerated() {
                member(named: name, values[name]!, first: index == 0)
            }
            close()
        }
    }

    /// `text` as a quoted JSON string: copied in runs between the bytes that need escaping, which are found eight
    /// bytes at a time (most strings have none).
    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            var index = 0
            while index < utf8.count {
                if utf8.count - index >= 8, !Self.anyNeedsEscape(UnsafeRawBufferPointer(utf8).loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                    index += 8
                    continue
                }
                let byte = utf8[index]
                index += 1
                guard Self.needsEscape(byte) else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<(index - 1)]))
                escape(byte)
                runStart = index
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A control character, a quote or a backslash.
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// Whether any of eight bytes ``needsEscape``: a byte below 0x20, or one equal to `"` or `\`.
    private static func anyNeedsEscape(_ word: UInt64) -> Bool {
        JSONBytes.hasControlByte(inWord: word) || JSONBytes.hasByte(UInt8(ascii: "\""), inWord: word)
            || JSONBytes.hasByte(UInt8(ascii: "\\"), inWord: word)
    }

    private mutating func escape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case UInt8(ascii: "\n"): bytes.append(UInt8(ascii: "n"))
        case UInt8(ascii: "\r"): bytes.append(UInt8(ascii: "r"))
        case UInt8(ascii: "\t"): bytes.append(UInt8(ascii: "t"))
        default:
            let hex = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
        }
    }

    /// A UTC timestamp with milliseconds, `"2026-11-23T17:43:46.242Z"` (quoted, for JSON, or not), from the C
    /// calendar functions: much cheaper than a `Date.FormatStyle` per line.
    mutating func timestamp(_ date: Date, quoted: Bool = true) {
        let now = date.timeIntervalSince1970
        var seconds = time_t(now.rounded(.down))
        let millis = min(999, Int((now - now.rounded(.down)) * 1000))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        if quoted { bytes.append(UInt8(ascii: "\"")) }
        digits(Int(parts.tm_year) + 1900, count: 4)
        bytes.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, count: 2)
        bytes.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), count: 2)
        bytes.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), count: 2)
        bytes.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), count: 2)
        bytes.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), count: 2)
        bytes.append(UInt8(ascii: "."))
        digits(millis, count: 3)
        bytes.append(UInt8(ascii: "Z"))
        if quoted { bytes.append(UInt8(ascii: "\"")) }
    }

    /// `value` (not negative) in exactly `count` decimal digits, zero-padded.
    private mutating func digits(_ value: Int, count: Int) {
        var divisor = 1
        for _ in 1..<count { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}
