import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Accepts a valid `X-Request-ID` (1 to 128 characters of letters, digits, `-`, `_`, `.`, `:`) or generates
/// one, puts it in the logger metadata and returns it on every response.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    static let header = HTTPField.Name("X-Request-ID")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let requestID = request.headers[Self.header].flatMap { Self.isValid($0) ? $0 : nil } ?? Self.generate()
        context.requestID = requestID
        context.logger[metadataKey: "request_id"] = .string(requestID)
        var response = try await next(request, context)
        response.headers[Self.header] = requestID
        return response
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
