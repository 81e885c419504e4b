import HTTPTypes
import Hummingbird
import Synchronization

/// The request id: a valid `X-Request-ID` from the client (1 to 128 characters of letters, digits, `-`, `_`,
/// `.`, `:`) or a generated one. ``EdgeMiddleware`` puts it in the logger metadata and on every response.
enum RequestID {
    static let header = HTTPField.Name("X-Request-ID")!

    /// The client's id when it is valid, else a new one from `generator`.
    static func of(_ request: Request, generator: RequestIDGenerator) -> String {
        request.headers.value(of: header).flatMap { isValid($0) ? $0 : nil } ?? generator.next()
    }

    static func isValid(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
            }
    }
}

/// Makes request ids without a system call each: `req_` and 32 hex digits that look random and never repeat
/// within the process. A counter goes through a bijective mix keyed by 128 random bits drawn once, so ids are
/// unique here and, with the key, unlikely to meet another replica's; the system generator would cost one
/// `getrandom` call per id. Ids identify requests; they are not secrets.
final class RequestIDGenerator: Sendable {
    private let key: (UInt64, UInt64)
    private let counter = Atomic<UInt64>(0)

    init(key: (UInt64, UInt64)? = nil) {
        var generator = SystemRandomNumberGenerator()
        self.key = key ?? (generator.next(), generator.next())
    }

    func next() -> String {
        let count = counter.wrappingAdd(1, ordering: .relaxed).newValue
        let low = Self.mix(count &+ key.0)
        let high = Self.mix(low ^ key.1)
        return String(unsafeUninitializedCapacity: 36) { text in
            let prefix: StaticString = "req_"
            for index in 0..<4 { text[index] = prefix.utf8Start[index] }
            let digits: StaticString = "0123456789abcdef"
            func write(_ value: UInt64, at offset: Int) {
                for nibble in 0..<16 { text[offset + nibble] = digits.utf8Start[Int(value >> (60 - 4 * nibble) & 0xF)] }
            }
            write(high, at: 4)
            write(low, at: 20)
            return 36
        }
    }

    /// SplitMix64's finaliser: a bijection on 64 bits, so distinct counts give distinct low halves.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
