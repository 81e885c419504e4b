import FuzzCore
import Foundation

/// Any bytes as a chat request body: decoding answers a request or a 400, never crashes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestDecoder(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    if let request = try? ChatRequest.decode(Data(bytes: start, count: count)) {
        _ = request.typed.outputTokenCap
        _ = request.typed.messages.map(\.text)
    }
    return 0
}
