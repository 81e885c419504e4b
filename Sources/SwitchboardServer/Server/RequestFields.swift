import HTTPTypes
import NIOHTTP1

/// A request's header list from NIO's decoder as HTTP fields, as `HTTPFields(_:splitCookie: false)` makes it
/// (the first `Host` becomes the authority, every other field is kept in order), but cheaper on the names every
/// client sends: `HTTPField.Name(_:)` checks and lowercases each name it is given, and NIO's conversion lowercased
/// each name once more to look for `Host`. Names on the list below are matched without case and taken ready-made.
enum RequestFields {
    /// The fields of `headers`, and the value of the first `Host`, which is not among them.
    static func convert(_ headers: HTTPHeaders) -> (fields: HTTPFields, host: String?) {
        var fields = HTTPFields()
        fields.reserveCapacity(headers.count)
        var host: String?
        for (name, value) in headers {
            if host == nil, isHost(name) {
                host = value
                continue
            }
            guard let fieldName = common(name) ?? HTTPField.Name(name) else { continue }
            fields.append(HTTPField(name: fieldName, value: value))
        }
        return (fields, host)
    }

    /// Names most requests carry, made once, and their spellings in lowercase (apart, so that looking through
    /// the spellings copies and retains nothing).
    private static let commonNames: [HTTPField.Name] = [
        .contentType, .contentLength, .authorization, .userAgent, .accept, .acceptEncoding, .connection, .origin,
        .transferEncoding, .expect, AuthenticationMiddleware.apiKeyHeader, RequestID.header,
    ]
    private static let commonSpellings: [StaticString] = [
        "content-type", "content-length", "authorization", "user-agent", "accept", "accept-encoding", "connection", "origin",
        "transfer-encoding", "expect", "x-api-key", "x-request-id",
    ]

    /// The ready-made name that `name` spells in any case, if it is on the list.
    static func common(_ name: String) -> HTTPField.Name? {
        var name = name
        return name.withUTF8 { bytes in
            for index in commonSpellings.indices where equalIgnoringCase(bytes, commonSpellings[index]) {
                return commonNames[index]
            }
            return nil
        }
    }

    private static func isHost(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { equalIgnoringCase($0, "host") }
    }

    /// Whether `bytes` are `lowercase` in any case. Setting bit 5 lowercases an ASCII letter and leaves `-` and
    /// digits as they are; of the other bytes, only CR would turn into `-`, and a field name has none.
    private static func equalIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for index in 0..<bytes.count where bytes[index] | 0x20 != expected[index] { return false }
        return true
    }
}
