import HTTPTypes
import Hummingbird
#if canImport(Glibc)
import Glibc
#endif

/// The request id: a valid `X-Request-ID` from the client (1 to 128 characters of letters, digits, `-`, `_`,
/// `.`, `:`) or a generated one. ``EdgeMiddleware`` puts it in the logger metadata and on every response.
enum RequestID {
    static let header = HTTPField.Name("X-Request-ID")!

    /// The client's id when it is valid, else a new one.
    static func of(_ request: Request) -> String {
        request.headers.single(header).flatMap { isValid($0) ? $0 : nil } ?? generate()
    }

    static func isValid(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
            }
    }

    /// `req_` and 32 random hex digits (128 bits): one `arc4random_buf` (one `getrandom` system call) for both
    /// halves, where each `next()` of the system generator is a system call of its own; written into the
    /// string's storage directly.
    static func generate() -> String {
        var random: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &random) { bytes in
            #if canImport(Glibc)
            if let base = bytes.baseAddress { return arc4random_buf(base, bytes.count) }
            #endif
            var generator = SystemRandomNumberGenerator()
            bytes.storeBytes(of: generator.next() as UInt64, toByteOffset: 0, as: UInt64.self)
            bytes.storeBytes(of: generator.next() as UInt64, toByteOffset: 8, as: UInt64.self)
        }
        return String(unsafeUninitializedCapacity: 36) { text in
            let prefix: StaticString = "req_"
            for index in 0..<4 { text[index] = prefix.utf8Start[index] }
            let digits: StaticString = "0123456789abcdef"
            func write(_ value: UInt64, at offset: Int) {
                for nibble in 0..<16 { text[offset + nibble] = digits.utf8Start[Int(value >> (60 - 4 * nibble) & 0xF)] }
            }
            write(random.0, at: 4)
            write(random.1, at: 20)
            return 36
        }
    }
}
