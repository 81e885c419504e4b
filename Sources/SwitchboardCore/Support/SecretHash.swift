import Crypto

/// SHA-256 hashing and constant-time comparison for secrets the gateway must recognise but never store.
public enum SecretHash {
    /// The lowercase hex SHA-256 of `secret`.
    public static func sha256Hex(_ secret: String) -> String {
        var secret = secret
        // Hashed from the string's own bytes, without copying them into an array first.
        return secret.withUTF8 { sha256Hex(UnsafeRawBufferPointer($0)) }
    }

    /// The lowercase hex SHA-256 of `bytes`.
    public static func sha256Hex(_ bytes: UnsafeRawBufferPointer) -> String {
        let digest = SHA256.hash(data: bytes)
        // Written straight into the string's storage: this runs on every authenticated request. The digest is
        // read in place; iterating it copies its bytes into an array first.
        return String(unsafeUninitializedCapacity: SHA256.byteCount * 2) { output in
            digest.withUnsafeBytes { bytes in
                for offset in 0..<bytes.count {
                    output[2 * offset] = hexDigit(bytes[offset] >> 4)
                    output[2 * offset + 1] = hexDigit(bytes[offset] & 0x0F)
                }
                return 2 * bytes.count
            }
        }
    }

    /// The lowercase hex digit of a nibble.
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
    }

    /// Compares two strings in time that depends only on their lengths. Reads the strings' contiguous UTF-8
    /// storage: walking two `UTF8View`s in step costs an index check per byte, and this runs on every request.
    public static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        var lhs = lhs, rhs = rhs
        return lhs.withUTF8 { left in
            rhs.withUTF8 { right in
                guard left.count == right.count else { return false }
                var difference: UInt8 = 0
                for index in left.indices { difference |= left[index] ^ right[index] }
                return difference == 0
            }
        }
    }

    /// A new random secret: `prefix` followed by 32 random bytes in URL-safe base64 without padding.
    public static func generate(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var text = ""
        var accumulator = 0
        var bits = 0
        for byte in bytes {
            accumulator = (accumulator << 8) | Int(byte)
            bits += 8
            while bits >= 6 {
                bits -= 6
                text.append(alphabet[(accumulator >> bits) & 0x3F])
            }
        }
        if bits > 0 { text.append(alphabet[(accumulator << (6 - bits)) & 0x3F]) }
        return prefix + text
    }
}
