import Foundation
import NIOCore
import SwitchboardCore

// A simple timed harness: each benchmark runs for a warm-up, then in batches for about `seconds`; the
// reported figure is the median time per operation over the batches. One JSON line per benchmark on stdout.

// Everything lives in a nonisolated type: top-level code is main-actor isolated in Swift 6, and a closure formed
// there would hop to the main actor on every call, which would dominate the measurements.
enum Micro {
    static let seconds = Double(ProcessInfo.processInfo.environment["MICRO_SECONDS"] ?? "") ?? 1.0
    /// Folds results into something printed at the end, so the optimiser cannot drop the measured work.
    nonisolated(unsafe) static var sink = 0

    static func measure(_ name: String, what: String, _ operation: () async throws -> Int) async rethrows {
        let clock = ContinuousClock()
        for _ in 0..<200 { sink &+= try await operation() }
        // Size a batch to ~10 ms so clock reads do not count.
        var batch = 1
        while true {
            let start = clock.now
            for _ in 0..<batch { sink &+= try await operation() }
            if clock.now - start > .milliseconds(10) { break }
            batch *= 2
        }
        var perOperation: [Double] = []
        let end = clock.now + .seconds(seconds)
        while clock.now < end {
            let start = clock.now
            for _ in 0..<batch { sink &+= try await operation() }
            let elapsed = (clock.now - start).components
            let nanoseconds = Double(elapsed.seconds) * 1e9 + Double(elapsed.attoseconds) / 1e9
            perOperation.append(nanoseconds / Double(batch))
        }
        perOperation.sort()
        let median = perOperation[perOperation.count / 2]
        print(#"{"name":"\#(name)","what":"\#(what)","ns_per_op":\#((median * 10).rounded() / 10),"batches":\#(perOperation.count),"batch":\#(batch)}"#)
    }

    // MARK: Inputs

    /// An OpenAI stream as the upstream sends it: a role chunk, 12 content chunks, the finish chunk, usage, [DONE].
    static let streamText: String = {
        func chunk(_ delta: String, finish: String = "null") -> String {
            #"data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1763900000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":\#(delta),"logprobs":null,"finish_reason":\#(finish)}],"usage":null}"# + "\n\n"
        }
        var text = chunk(#"{"role":"assistant","content":""}"#)
        for word in ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", " and", " runs", " away"] {
            text += chunk(#"{"content":"\#(word)"}"#)
        }
        text += chunk("{}", finish: #""stop""#)
        text += #"data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1763900000,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":25,"completion_tokens":12,"total_tokens":37}}"# + "\n\n"
        return text + "data: [DONE]\n\n"
    }()
    static let streamBuffer = ByteBuffer(string: streamText)
    /// The same stream in 128-byte reads, as it arrives from a socket.
    static let streamFragments: [ByteBuffer] = stride(from: 0, to: streamBuffer.readableBytes, by: 128).map { offset in
        streamBuffer.getSlice(at: offset, length: min(128, streamBuffer.readableBytes - offset))!
    }

    static func chatBody(messages: Int) -> Data {
        let turns = (0..<messages).map { index in
            let role = index % 2 == 0 ? "user" : "assistant"
            return #"{"role":"\#(role)","content":"Message \#(index): please summarise the quarterly report in three bullet points, keeping the figures."}"#
        }
        return Data(#"{"model":"openai/gpt-4o-mini","temperature":0.7,"max_tokens":256,"messages":[\#(turns.joined(separator: ","))]}"#.utf8)
    }
    static let smallBody = chatBody(messages: 1)
    static let largeBody = chatBody(messages: 20)

    static let budget = BudgetPolicy(limit: USD(dollars: 1_000_000), period: .total)
    static let identity = KeyIdentity(
        key: VirtualKey(id: "key_bench", tenant: "bench", name: "bench", hash: "", prefix: "sk-sb-bench", rpm: 100_000_000,
                        tpm: 100_000_000_000, budget: budget),
        tenant: Tenant(name: "bench", rpm: 100_000_000, tpm: 100_000_000_000, budget: budget)
    )
    static let takes = [
        LimitTake(LimitKey(.key("key_bench"), .requests), perMinute: 100_000_000, cost: 1),
        LimitTake(LimitKey(.key("key_bench"), .tokens), perMinute: 100_000_000_000, cost: 300),
        LimitTake(LimitKey(.tenant("bench"), .requests), perMinute: 100_000_000, cost: 1),
        LimitTake(LimitKey(.tenant("bench"), .tokens), perMinute: 100_000_000_000, cost: 300),
    ]
    static let prices = PriceTable()
    static let usage = Usage(promptTokens: 25, completionTokens: 12, cachedTokens: 0)

    static func run() async throws {
        await measure("sse_parse_stream", what: "parse a 16-event OpenAI stream in one buffer (per stream)") {
            var parser = ServerSentEventParser()
            return parser.feed(streamBuffer).count
        }
        await measure("sse_parse_fragmented", what: "parse the same stream fed in 128-byte reads (per stream)") {
            var parser = ServerSentEventParser()
            var count = 0
            for fragment in streamFragments { count += parser.feed(fragment).count }
            return count
        }
        try await measure("decode_request_small", what: "ChatRequest.decode of a 1-message body (\(smallBody.count) B)") {
            try ChatRequest.decode(smallBody).typed.messages.count
        }
        try await measure("decode_request_large", what: "ChatRequest.decode of a 20-message body (\(largeBody.count) B)") {
            try ChatRequest.decode(largeBody).typed.messages.count
        }
        let decodedSmall = try ChatRequest.decode(smallBody)
        await measure("splice_request_body", what: "ChatRequest.spliced: the forwarded body with the upstream model, no re-encoding") {
            decodedSmall.spliced(model: "gpt-4o-mini", stream: false)?.readableBytes ?? 0
        }
        let limiter = MemoryRateLimiter()
        await measure("limiter_acquire", what: "MemoryRateLimiter.acquire over 4 buckets (key + tenant, RPM + TPM)") {
            await limiter.acquire(takes).allowed ? 1 : 0
        }
        let admission = Admission(limiter: MemoryRateLimiter(), budgets: MemoryBudgetLedger(), prices: prices)
        let typedRequest = try ChatRequest.decode(smallBody).typed
        try await measure("admission_admit_settle", what: "prompt bound + Admission.admit + settle (4 buckets, 2 budgets, price lookup)") {
            let bound = TokenBudgetEstimate.promptUpperBound(typedRequest)
            let ticket = try await admission.admit(typedRequest, identity: identity, upstreamModel: "gpt-4o-mini", promptUpperBound: bound)
            await admission.settle(ticket, of: identity, cost: admission.cost(of: usage, model: "gpt-4o-mini", publicModel: "openai/gpt-4o-mini"), tokens: 37)
            return ticket.estimatedTokens
        }
        await measure("cost_exact_model", what: "PriceTable.price(for: gpt-4o-mini) + cost(of:)") {
            Int(prices.price(for: "gpt-4o-mini")?.cost(of: usage).nanos ?? 0)
        }
        await measure("cost_dated_model", what: "PriceTable.price(for: gpt-4o-mini-2024-07-18) (family fallback) + cost(of:)") {
            Int(prices.price(for: "gpt-4o-mini-2024-07-18")?.cost(of: usage).nanos ?? 0)
        }
        FileHandle.standardError.write(Data("checksum \(sink)\n".utf8))
    }
}

try await Micro.run()
