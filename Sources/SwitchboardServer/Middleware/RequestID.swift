import HTTPTypes
import Hummingbird

/// The request id: a valid `X-Request-ID` from the client (1 to 128 characters of letters, digits, `-`, `_`,
/// `.`, `:`) or a generated one. ``EdgeMiddleware`` puts it in the logger metadata and on every response.
enum RequestID {
    static let header = HTTPField.Name("X-Request-ID")!

    /// The client's id when it is valid, else a new one.
    static func of(_ request: Request) -> String {
        request.headers[header].flatMap { isValid($0) ? $0 : nil } ?? generate()
    }

    static func isValid(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
            }
    }

    /// `req_` and 32 random hex digits (128 bits), formatted without Foundation's UUID string round trip.
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return "req_" + hex(high) + hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
