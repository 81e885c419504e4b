import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SwitchboardCore

extension GatewayError: HTTPResponseError {
    public var status: HTTPResponse.Status { .init(code: statusCode) }

    public var headers: HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json"]
        if let retryAfterSeconds { fields[.retryAfter] = String(retryAfterSeconds) }
        return fields
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = jsonBody
        // `Content-Length` first, so that `Response` finds it at once instead of scanning and setting it by name.
        var fields: HTTPFields = [.contentLength: String(decimal: body.readableBytes)]
        fields.append(contentsOf: headers)
        return Response(status: status, headers: fields, body: .init(byteBuffer: body))
    }

    /// The OpenAI-shaped JSON body, members in sorted order: `{"error":{"code","message","param","type"}}`.
    ///
    /// Written directly rather than with `JSONEncoder`: every refused request (a wrong key, a rate limit) gets
    /// one, and the encoder's generic boxing and dynamic casts were about a sixth of a refused request's
    /// instructions.
    public var jsonBody: ByteBuffer {
        var writer = JSONLineWriter(capacity: 80 + message.utf8.count + (code?.utf8.count ?? 0) + type.utf8.count)
        writer.open()
        writer.name("error", first: true)
        writer.open()
        writer.member("code", code, first: true)
        writer.member("message", message)
        writer.member("param", param)
        writer.member("type", type)
        writer.close()
        writer.close()
        return writer.buffer
    }
}

/// Every error a handler throws, answered in the OpenAI error shape, so no client ever sees an empty 500.
/// Unexpected errors are logged with the request id and answered with a generic 500.
enum ErrorAnswers {
    /// The answer to `error`, thrown while handling `request`.
    static func answer(_ error: any Error, to request: Request, context: GatewayRequestContext) throws -> Response {
        if error is CancellationError {
            // The client hung up: nobody reads this answer, and it is not a server failure.
            context.logger.debug("request cancelled: the client hung up")
            return try GatewayError.clientClosedRequest.response(from: request, context: context)
        }
        let gatewayError = map(error)
        if gatewayError.statusCode >= 500 {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: type(of: error)))", "status": "\(gatewayError.statusCode)"])
        }
        return try gatewayError.response(from: request, context: context)
    }

    /// Maps any error to the ``GatewayError`` a client sees.
    static func map(_ error: any Error) -> GatewayError {
        switch error {
        case is CancellationError: return .clientClosedRequest
        case let error as GatewayError: return error
        case let error as UpstreamError: return error.gatewayError
        case let error as HTTPError:
            switch error.status {
            case .contentTooLarge: return .init(status: 413, type: "invalid_request_error", code: "request_too_large", message: "The request body is too large.")
            case .notFound: return .routeNotFound
            case .methodNotAllowed: return .init(status: 405, type: "invalid_request_error", code: "method_not_allowed", message: "Method not allowed on this route.")
            default:
                let status = Int(error.status.code)
                return .init(status: status, type: status < 500 ? "invalid_request_error" : "server_error",
                             message: error.body ?? error.status.reasonPhrase)
            }
        default: return .internalError
        }
    }
}
