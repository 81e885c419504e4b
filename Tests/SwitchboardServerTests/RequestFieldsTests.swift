import HTTPTypes
import NIOHTTP1
@testable import SwitchboardServer
import Testing

/// The request's fields as NIO's own conversion makes them, with the common names taken ready-made.
@Suite struct RequestFieldsTests {
    @Test func convertsAsNIODoesWithTheHostAsAuthority() {
        let headers = HTTPHeaders([
            ("Content-Type", "application/json"), ("HOST", "gateway.example"), ("AUTHORIZATION", "Bearer sk"),
            ("x-api-key", "sk2"), ("X-Custom-Thing", "a"), ("Host", "second.example"), ("content-length", "12"),
            ("X-Stainless-Lang", "python"), ("Accept-Encoding", "gzip"),
        ])
        let (fields, host) = RequestFields.convert(headers)
        #expect(host == "gateway.example")
        #expect(fields == HTTPFields(headers, splitCookie: false))
        #expect(fields.map(\.name.canonicalName) == [
            "content-type", "authorization", "x-api-key", "x-custom-thing", "host", "content-length", "x-stainless-lang", "accept-encoding",
        ])
        #expect(fields.map(\.value) == ["application/json", "Bearer sk", "sk2", "a", "second.example", "12", "python", "gzip"])
        #expect(fields[values: .authorization] == ["Bearer sk"])
    }

    @Test func commonNamesMatchOnlyTheirOwnSpelling() {
        #expect(RequestFields.common("CoNtEnT-TyPe") == .contentType)
        #expect(RequestFields.common("content-typf") == nil)
        #expect(RequestFields.common("content_type") == nil)
        #expect(RequestFields.common("content-type ") == nil)
        #expect(RequestFields.common("x-api-keys") == nil)
        #expect(RequestFields.common("X-Request-Id") == RequestID.header)
    }

    @Test func withoutHostThereIsNoAuthority() {
        let (fields, host) = RequestFields.convert(HTTPHeaders([("Accept", "*/*")]))
        #expect(host == nil)
        #expect(fields[.accept] == "*/*")
    }
}
