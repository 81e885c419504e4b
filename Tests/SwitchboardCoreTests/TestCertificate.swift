import NIOSSL

/// A self-signed certificate for `localhost` and 127.0.0.1, made for these tests only (its key protects
/// nothing): the loopback HTTPS server presents it, and a client that trusts it can check the whole handshake.
enum TestCertificate {
    static let certificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIBmTCCAT+gAwIBAgIUXF8iby1m2RAK7mQ13J4pE0d5W9cwCgYIKoZIzj0EAwIw
        FDESMBAGA1UEAwwJbG9jYWxob3N0MB4XDTI2MTIwMTA4MjExMVoXDTM2MTEyODA4
        MjExMVowFDESMBAGA1UEAwwJbG9jYWxob3N0MFkwEwYHKoZIzj0CAQYIKoZIzj0D
        AQcDQgAEUsLbMoJ/6CSBHpuHdDwcvAG5L8HtV3xQ60mnFhbMa2hRnxBd7dUNRXy5
        rIruxiGlg3oHOVX/yifBAGtNCL4OYaNvMG0wHQYDVR0OBBYEFDDU8BsuTTAJd0Lf
        UMV7zKDZ10XsMB8GA1UdIwQYMBaAFDDU8BsuTTAJd0LfUMV7zKDZ10XsMA8GA1Ud
        EwEB/wQFMAMBAf8wGgYDVR0RBBMwEYIJbG9jYWxob3N0hwR/AAABMAoGCCqGSM49
        BAMCA0gAMEUCIC1jmdWTy9785msrjD1m1pcv3Pl0hUJI7tdoYK7Lnln5AiEAlcL1
        DJ9yW+qLiEUTO6B5ajSYzIIlNTcAvtoza0AnXNQ=
        -----END CERTIFICATE-----
        """
    static let privateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgziroHAxoQ4vpjHyN
        Ia0plb1iUCwaaz8GUPNq+Cqhr2ChRANCAARSwtsygn/oJIEem4d0PBy8Abkvwe1X
        fFDrSacWFsxraFGfEF3t1Q1FfLmsiu7GIaWDegc5Vf/KJ8EAa00Ivg5h
        -----END PRIVATE KEY-----
        """

    static func serverContext() throws -> NIOSSLContext {
        let certificate = try NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem)
        let key = try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)
        return try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key)))
    }

    /// A client configuration that trusts only this certificate.
    static func trustingClient() throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem)])
        configuration.applicationProtocols = ["http/1.1"]
        return configuration
    }
}
