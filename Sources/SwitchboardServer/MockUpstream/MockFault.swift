import Foundation

/// A fault the mock upstream injects into one request, chosen by the `x-mock-fault` header or by a suffix
/// of the model name after `@` (so that it survives the gateway, which forwards no client headers):
/// `gpt-4o@status=429,retry-after=1`.
///
/// Keys: `status=N` (answer with that error status), `retry-after=S` and `retry-after-ms=MS` (with a status),
/// `headers-delay-ms=MS` (wait before the response headers), `chunk-delay-ms=MS` (wait before each stream
/// chunk), `first-chunk-delay-ms=MS` (wait before the first chunk instead), `drop-after=N` (stream N chunks,
/// then cut the connection without an end marker), `repeat=N` (say the answer N times over: a long stream from
/// a short request), `hang` (accept and never answer), `code=X` (the error `code` of an injected status),
/// `fail-first=N` (inject the fault into the first N requests carrying the same fault, then answer normally: a
/// burst that recovers).
public struct MockFault: Sendable, Equatable {
    public var status: Int?
    public var retryAfter: String?
    public var retryAfterMilliseconds: String?
    public var headersDelayMilliseconds = 0
    public var chunkDelayMilliseconds = 0
    public var firstChunkDelayMilliseconds: Int?
    public var dropAfterChunks: Int?
    public var repeatAnswer: Int?
    public var hang = false
    public var code: String?
    public var failFirst: Int?

    public init() {}

    /// Parses a fault specification; unknown keys are ignored.
    public init(spec: String) {
        for item in spec.split(whereSeparator: { $0 == "," || $0 == ";" }) {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let value = pair.count > 1 ? pair[1] : ""
            switch pair[0] {
            case "status": status = Int(value)
            case "retry-after": retryAfter = value
            case "retry-after-ms": retryAfterMilliseconds = value
            case "headers-delay-ms": headersDelayMilliseconds = Int(value) ?? 0
            case "chunk-delay-ms": chunkDelayMilliseconds = Int(value) ?? 0
            case "first-chunk-delay-ms": firstChunkDelayMilliseconds = Int(value)
            case "drop-after": dropAfterChunks = Int(value)
            case "repeat": repeatAnswer = Int(value)
            case "hang": hang = true
            case "code": code = value
            case "fail-first": failFirst = Int(value)
            default: break
            }
        }
    }

    /// How long to wait before stream chunk number `index`.
    func delayMilliseconds(beforeChunk index: Int) -> Int {
        index == 0 ? firstChunkDelayMilliseconds ?? chunkDelayMilliseconds : chunkDelayMilliseconds
    }

    /// Splits `model@spec` into the model and the fault.
    static func split(model: String) -> (model: String, fault: MockFault?) {
        guard let at = model.firstIndex(of: "@") else { return (model, nil) }
        return (String(model[..<at]), MockFault(spec: String(model[model.index(after: at)...])))
    }
}
