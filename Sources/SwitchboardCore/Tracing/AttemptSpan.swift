import Tracing

/// The span of one upstream attempt, named and described by the OpenTelemetry GenAI semantic conventions
/// (`chat {model}`, kind client, `gen_ai.*` attributes), plus the deployment that served it.
enum AttemptSpan {
    /// Starts the span of an attempt at `deployment`; nil when tracing is off.
    static func start(_ tracer: GatewayTracer, deployment: Deployment, request: ChatCompletionRequest) -> (any Span)? {
        guard let span = tracer.startSpan("chat \(deployment.upstreamModel)", kind: .client) else { return nil }
        span.updateAttributes { attributes in
            attributes["gen_ai.operation.name"] = "chat"
            attributes["gen_ai.provider.name"] = providerName(deployment.provider.kind)
            attributes["gen_ai.request.model"] = deployment.upstreamModel
            attributes["gen_ai.request.max_tokens"] = request.maxCompletionTokens ?? request.maxTokens
            attributes["gen_ai.request.temperature"] = request.temperature
            attributes["switchboard.provider"] = deployment.provider.name
            attributes["switchboard.deployment"] = deployment.name
            attributes["switchboard.model"] = deployment.model
        }
        return span
    }

    /// The `gen_ai.provider.name` value for a provider kind.
    static func providerName(_ kind: ProviderKind) -> String {
        switch kind {
        case .openAI: "openai"
        case .azureOpenAI: "azure.ai.openai"
        case .anthropic: "anthropic"
        case .mock: "switchboard.mock"
        }
    }
}

extension Span {
    /// Records the upstream's answer: a success status and the tokens it reported.
    func recordAnswer(usage: Usage?) {
        updateAttributes { attributes in
            attributes["http.response.status_code"] = 200
            if let usage {
                attributes["gen_ai.usage.input_tokens"] = usage.promptTokens
                attributes["gen_ai.usage.output_tokens"] = usage.completionTokens
            }
        }
    }

    /// Records a failed attempt: the upstream status when there was one, and the error's class.
    func recordAttemptFailure(_ error: any Error) {
        if let upstream = error as? UpstreamError {
            updateAttributes { attributes in
                if case .status(let status) = upstream.kind { attributes["http.response.status_code"] = status }
                attributes["error.type"] = upstream.errorTypeName
            }
        } else {
            attributes["error.type"] = error is CancellationError ? "cancelled" : String(describing: type(of: error))
        }
        markFailed(error)
    }
}

extension UpstreamError {
    /// A low-cardinality name of the failure for `error.type`: the status code or the failure class.
    var errorTypeName: String {
        switch kind {
        case .connection: "connection"
        case .firstByteTimeout: "first_byte_timeout"
        case .timeout: "timeout"
        case .status(let status): String(status)
        case .malformedResponse: "malformed_response"
        case .interrupted: "interrupted"
        }
    }
}
