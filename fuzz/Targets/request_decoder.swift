import FuzzCore
import Foundation
import NIOCore

/// Any bytes as a chat request body: decoding answers a request or a 400, never crashes; it reads what
/// `JSONDecoder` reads (the plain decoder's fast path included); and a body forwarded by splicing bytes means
/// exactly what the re-encoded body would (the client's members with the new model).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestDecoder(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    let decoded = try? ChatRequest.decode(data)
    let foundation = try? JSONDecoder().decode(ChatCompletionRequest.self, from: data)
    if let decoded {
        // Compared as values: printed, two equal objects can list their members in different orders.
        guard let foundation, decoded.typed == foundation else {
            fatalError("the request decoded differently from JSONDecoder's reading")
        }
    }
    if let request = decoded {
        _ = request.typed.outputTokenCap
        _ = request.typed.messages.map(\.text)
        let stream = request.typed.stream == true
        if let spliced = request.spliced(model: "upstream-\"model\"", stream: stream),
           case .object(let forwarded)? = try? JSONDecoder().decode(JSONValue.self, from: Data(spliced.readableBytesView)) {
            var expected = request.raw
            expected["model"] = .string("upstream-\"model\"")
            if stream { expected["stream_options"] = .object(["include_usage": true]) }
            if !request.raw.isEmpty && forwarded != expected { fatalError("spliced body differs from the decoded one") }
        }
    }
    return 0
}
