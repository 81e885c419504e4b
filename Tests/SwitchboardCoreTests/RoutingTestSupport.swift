import Foundation
import NIOCore
import Synchronization
@testable import SwitchboardCore

/// Virtual time for routing tests: `now` moves only when the test advances it or when the code under test
/// sleeps (a sleep returns at once, having advanced the time and recorded its length).
final class ManualTime: Sendable {
    private let state = Mutex<(now: Duration, sleeps: [Duration])>((.zero, []))

    var now: Duration { state.withLock { $0.now } }
    var sleeps: [Duration] { state.withLock { $0.sleeps } }

    func advance(by duration: Duration) { state.withLock { $0.now += duration } }

    var source: TimeSource {
        TimeSource(now: { self.now }, sleep: { duration in
            try Task.checkCancellation()
            self.state.withLock {
                $0.now += duration
                $0.sleeps.append(duration)
            }
        })
    }
}

/// A deterministic random source (SplitMix64), or a fixed value.
final class SeededRandom: RandomSource {
    private let state: Mutex<UInt64>
    private let fixed: Double?

    init(seed: UInt64 = 42, fixed: Double? = nil) {
        state = Mutex(seed)
        self.fixed = fixed
    }

    func nextUnit() -> Double {
        if let fixed { return fixed }
        let value = state.withLock { state -> UInt64 in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return Double(value >> 11) / Double(1 << 53)
    }
}

/// A provider whose answers are scripted per upstream model: each call takes the next step of that
/// model's script (the last step repeats). Counts calls per model.
final class ScriptedProvider: LLMProvider {
    enum Step: Sendable {
        case answer
        case fail(UpstreamError.Kind, retryAfter: Duration? = nil, code: String? = nil)
        /// A stream that sends `chunks` chunks and then breaks.
        case breakAfter(Int)
        /// Never answers (until cancelled).
        case hang
    }

    let name: String
    var kind: ProviderKind { .openAI }
    var advertisedModels: [String] { [] }
    private let scripts: Mutex<[String: [Step]]>
    private let counts = Mutex<[String: Int]>([:])

    init(name: String, scripts: [String: [Step]] = [:]) {
        self.name = name
        self.scripts = Mutex(scripts)
    }

    func calls(_ model: String) -> Int { counts.withLock { $0[model] ?? 0 } }

    private func next(_ model: String) -> Step {
        counts.withLock { $0[model, default: 0] += 1 }
        return scripts.withLock { scripts in
            guard var script = scripts[model], !script.isEmpty else { return .answer }
            let step = script.removeFirst()
            if script.isEmpty { script = [step] }
            scripts[model] = script
            return step
        }
    }

    private func error(_ kind: UpstreamError.Kind, retryAfter: Duration?, code: String?) -> UpstreamError {
        UpstreamError(kind, provider: name, message: "scripted", upstreamCode: code, retryAfter: retryAfter)
    }

    func complete(_ call: ProviderCall) async throws -> ProviderCompletion {
        switch next(call.upstreamModel) {
        case .answer, .breakAfter:
            return ProviderCompletion(body: ByteBuffer(string: #"{"model":"\#(call.upstreamModel)"}"#), usage: nil)
        case .fail(let kind, let retryAfter, let code):
            throw error(kind, retryAfter: retryAfter, code: code)
        case .hang:
            try await Task.sleep(for: .seconds(3600))
            throw CancellationError()
        }
    }

    func stream(_ call: ProviderCall) async throws -> CompletionStream {
        let chunks: Int
        switch next(call.upstreamModel) {
        case .answer: chunks = -1
        case .breakAfter(let count): chunks = count
        case .fail(let kind, let retryAfter, let code): throw error(kind, retryAfter: retryAfter, code: code)
        case .hang:
            try await Task.sleep(for: .seconds(3600))
            throw CancellationError()
        }
        let provider = name
        let parts = (0..<(chunks < 0 ? 3 : chunks)).map { index in StreamPart(payload: ByteBuffer(string: #"{"chunk":\#(index)}"#)) }
        return CompletionStream(parts: parts, endingWith: chunks >= 0 ? UpstreamError(.interrupted, provider: provider) : nil)
    }
}

enum RoutingFixtures {
    static func request(_ model: String, metadata: [String: String]? = nil) throws -> ChatRequest {
        var body: [String: Any] = ["model": model, "messages": [["role": "user", "content": "hi"]]]
        if let metadata { body["metadata"] = metadata }
        return try ChatRequest.decode(try JSONSerialization.data(withJSONObject: body))
    }

    static func deployment(
        _ name: String, weight: Int = 1, priority: Int = 0, maxConcurrent: Int? = nil, requestsPerMinute: Int? = nil
    ) -> Deployment {
        Deployment(id: "m#\(name)", name: name, model: "m", provider: ScriptedProvider(name: name), upstreamModel: name,
                   weight: weight, priority: priority, maxConcurrent: maxConcurrent, requestsPerMinute: requestsPerMinute)
    }
}
