/// An error a client sees, rendered in the OpenAI error shape `{"error":{"message","type","code","param"}}`.
///
/// Every failure on the request path ends as one of these, so a client never gets an empty 500.
public struct GatewayError: Error, Sendable, Equatable {
    /// The HTTP status of the response.
    public var statusCode: Int
    /// The OpenAI error `type`.
    public var type: String
    /// The machine-readable `code`, when there is one.
    public var code: String?
    /// A human-readable message. Never contains a secret.
    public var message: String
    /// The request field at fault, when there is one.
    public var param: String?
    /// Seconds after which a retry may succeed (sent as `Retry-After`).
    public var retryAfterSeconds: Int?

    public init(
        status: Int, type: String, code: String? = nil, message: String, param: String? = nil, retryAfterSeconds: Int? = nil
    ) {
        self.statusCode = status
        self.type = type
        self.code = code
        self.message = message
        self.param = param
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// 400: the request is malformed or a field is invalid.
    public static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> Self {
        .init(status: 400, type: "invalid_request_error", code: code, message: message, param: param)
    }

    /// 401: the same answer for a missing and a wrong key, so it gives no hint.
    public static let unauthorized = Self(
        status: 401, type: "invalid_request_error", code: "invalid_api_key",
        message: "Missing or invalid API key. Send it as 'Authorization: Bearer <key>'."
    )

    /// 404: the model is neither a configured alias nor `provider/model` of a configured provider.
    public static func modelNotFound(_ model: String) -> Self {
        .init(
            status: 404, type: "invalid_request_error", code: "model_not_found",
            message: "The model '\(model)' does not exist or you do not have access to it. GET /v1/models lists the models you can use.",
            param: "model"
        )
    }

    /// 408: the client did not finish sending its body in time (a slow upload).
    public static let bodyTimeout = Self(
        status: 408, type: "invalid_request_error", code: "request_timeout", message: "The request body did not arrive in time."
    )

    /// 400: the bytes on the connection are not an HTTP request; the connection closes after the answer.
    public static let malformedHTTP = Self(
        status: 400, type: "invalid_request_error", code: "malformed_http", message: "The request is not valid HTTP."
    )

    /// 404: no route for the path.
    public static let routeNotFound = Self(
        status: 404, type: "invalid_request_error", code: "not_found", message: "No such route."
    )

    /// 413: the body exceeds the configured limit.
    public static func bodyTooLarge(limit: Int) -> Self {
        .init(
            status: 413, type: "invalid_request_error", code: "request_too_large",
            message: "The request body exceeds the limit of \(limit) bytes."
        )
    }

    /// 499 (nginx's "client closed request"): the client hung up before the answer; recorded, never sent.
    public static let clientClosedRequest = Self(
        status: 499, type: "client_closed_request", code: "client_disconnected", message: "The client closed the request."
    )

    /// 503: the gateway is out of a resource of its own (file descriptors) and could not reach the upstream.
    public static let overloaded = Self(
        status: 503, type: "server_error", code: "gateway_overloaded",
        message: "The gateway is overloaded and could not open an upstream connection. Retry shortly.", retryAfterSeconds: 1
    )

    /// 500: an unexpected internal failure; the detail goes to the log, not to the client.
    public static let internalError = Self(
        status: 500, type: "server_error", code: "internal_error",
        message: "The gateway failed to handle the request. The request id in X-Request-ID identifies it in the logs."
    )
}
