import NIOCore

/// The scheme, host and port of an upstream: what a pooled connection is good for.
struct UpstreamOrigin: Hashable, Sendable {
    var usesTLS: Bool
    var host: String
    var port: Int

    /// Writes the `Host` header value: the host (an IPv6 address in brackets), with the port when it is not the
    /// scheme's default. Written in place, since every upstream request carries it.
    func writeHostHeader(into buffer: inout ByteBuffer) {
        let isIPv6 = host.utf8.contains(UInt8(ascii: ":"))
        if isIPv6 { buffer.writeStaticString("[") }
        buffer.writeString(host)
        if isIPv6 { buffer.writeStaticString("]") }
        if port != (usesTLS ? 443 : 80) {
            buffer.writeStaticString(":")
            buffer.writeDecimal(port)
        }
    }
}

/// Where one upstream request goes: the origin to connect to and the request target (path and query).
struct UpstreamTarget: Sendable {
    var origin: UpstreamOrigin
    /// The path and query, starting with `/`.
    var path: String

    /// Parses an absolute `http` or `https` URL. User info and fragments are refused: no provider URL has them.
    init(url: String) throws {
        // Byte scans, not Foundation's searches: this runs once per upstream request.
        guard let colon = url.utf8.firstIndex(of: UInt8(ascii: ":")),
              url.utf8[colon...].starts(with: "://".utf8) else { throw UpstreamTransportError.invalidURL }
        let scheme = url.utf8[..<colon]
        let usesTLS: Bool
        if scheme.elementsEqual("http".utf8, by: { $0 | 0x20 == $1 }) {
            usesTLS = false
        } else if scheme.elementsEqual("https".utf8, by: { $0 | 0x20 == $1 }) {
            usesTLS = true
        } else {
            throw UpstreamTransportError.invalidURL
        }
        let rest = url[url.utf8.index(colon, offsetBy: 3)...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        // `contains` with a string argument is Foundation's `range(of:)`, through NSString: bytes instead.
        guard !authority.isEmpty, !authority.utf8.contains(UInt8(ascii: "@")), !rest.utf8.contains(UInt8(ascii: "#")) else {
            throw UpstreamTransportError.invalidURL
        }
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
