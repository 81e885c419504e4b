/// The scheme, host and port of an upstream: what a pooled connection is good for.
struct UpstreamOrigin: Hashable, Sendable {
    var usesTLS: Bool
    var host: String
    var port: Int

    /// The `Host` header value: the host, with the port when it is not the scheme's default.
    var hostHeader: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return port == (usesTLS ? 443 : 80) ? host : "\(host):\(port)"
    }
}

/// Where one upstream request goes: the origin to connect to and the request target (path and query).
struct UpstreamTarget: Sendable {
    var origin: UpstreamOrigin
    /// The path and query, starting with `/`.
    var path: String

    /// Parses an absolute `http` or `https` URL. User info and fragments are refused: no provider URL has them.
    init(url: String) throws {
        let schemeEnd = url.range(of: "://")
        guard let schemeEnd else { throw UpstreamTransportError.invalidURL }
        let usesTLS: Bool
        switch url[..<schemeEnd.lowerBound].lowercased() {
        case "http": usesTLS = false
        case "https": usesTLS = true
        default: throw UpstreamTransportError.invalidURL
        }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.isEmpty, !authority.contains("@"), !rest.contains("#") else { throw UpstreamTransportError.invalidURL }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw UpstreamTransportError.invalidURL }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let afterHost = authority[authority.index(after: close)...]
            if !afterHost.isEmpty {
                guard afterHost.hasPrefix(":") else { throw UpstreamTransportError.invalidURL }
                portText = afterHost.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        var port = usesTLS ? 443 : 80
        if let portText {
            guard let parsed = Int(portText), (1...65_535).contains(parsed) else { throw UpstreamTransportError.invalidURL }
            port = parsed
        }
        guard !host.isEmpty else { throw UpstreamTransportError.invalidURL }
        let pathPart = rest[authorityEnd...]
        self.origin = UpstreamOrigin(usesTLS: usesTLS, host: String(host), port: port)
        self.path = pathPart.hasPrefix("/") ? String(pathPart) : "/" + pathPart
    }
}
