#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Searches in raw bytes with the C library's vectorized `memchr` and `memcmp`, for the scans that run over every
/// byte of a relayed stream. A Swift loop over the bytes (or `firstIndex(of:)`, or `elementsEqual` with a string's
/// UTF-8 view) took 10-20 instructions per byte; these take a fraction of one on long runs (callgrind).
public enum ByteSearch {
    /// The index of the first `byte` in `bytes[from..<to]` (`to` defaults to the end, and is held to it), or nil.
    public static func firstIndex(of byte: UInt8, in bytes: UnsafeRawBufferPointer, from: Int, to end: Int? = nil) -> Int? {
        let end = min(end ?? bytes.count, bytes.count)
        guard from >= 0, from < end, let base = bytes.baseAddress, let found = memchr(base + from, Int32(byte), end - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// Whether the UTF-8 of `literal` lies in `bytes` at `index`. A literal, unlike a static array, needs no
    /// lazy initialisation check (`swift_once`) on each use.
    public static func matches(_ bytes: UnsafeRawBufferPointer, at index: Int, _ literal: StaticString) -> Bool {
        guard index >= 0, index + literal.utf8CodeUnitCount <= bytes.count, let base = bytes.baseAddress else { return false }
        return memcmp(base + index, literal.utf8Start, literal.utf8CodeUnitCount) == 0
    }

    /// Whether `bytes` are exactly the UTF-8 of `literal`: the lengths first, then one `memcmp`.
    public static func equals(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return true }
        return memcmp(base, literal.utf8Start, bytes.count) == 0
    }
}
