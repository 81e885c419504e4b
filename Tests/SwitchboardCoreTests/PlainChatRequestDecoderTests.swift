import Foundation
@testable import SwitchboardCore
import Testing

/// The plain decoder either declines a body or reads exactly what `JSONDecoder` reads from it.
@Suite struct PlainChatRequestDecoderTests {
    static func plain(_ json: String) -> ChatCompletionRequest? {
        Array(json.utf8).withUnsafeBytes { PlainChatRequestDecoder.decode($0)?.request }
    }

    static func foundation(_ json: String) -> ChatCompletionRequest? {
        try? JSONDecoder().decode(ChatCompletionRequest.self, from: Data(json.utf8))
    }

    @Test(arguments: [
        #"{"model":"gpt-4o","messages":[{"role":"user","content":"Hello"}]}"#,
        #" { "model" : "m" , "messages" : [ { "role" : "system" , "content" : "Be brief." } , { "role" : "user" , "content" : "hi" } ] } "#,
        #"{"model":"m","messages":[{"role":"user","content":"tab\there \"quoted\" back\\slash \/ \b\f\n\r \u00e9 \ud83d\ude00 \u0000"}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":"héllo wörld — 日本語 😀"}]}"#,
        #"{"mod\u0065l":"m","messages":[{"role":"assistant","content":null,"name":"bot"},{"role":"tool","content":"42","tool_call_id":"call_1"}]}"#,
        #"{"model":"m","messages":[{"role":"developer","content":""}],"stream":true,"stream_options":{"include_usage":true,"other":[1,{"a":null}]}}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"stream":false,"stream_options":null,"temperature":0.7,"top_p":1,"n":2,"seed":-12}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":256,"max_completion_tokens":128,"user":"u-1","temperature":1.5e0}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x","extra":{"deep":[[[true,false,null,-0.5E-3]]]}}],"logprobs":true,"x":"y"}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":null,"top_p":null,"max_tokens":null,"n":null,"seed":null,"user":null,"stream":null}"#,
        #"{"model":"m","messages":[]}"#,
        #"{"model":"","messages":[{"role":"user"}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":-0.0,"top_p":0}"#,
    ])
    func plainBodiesReadAsJSONDecoderReadsThem(json: String) throws {
        let plain = try #require(Self.plain(json))
        let foundation = try #require(Self.foundation(json))
        #expect(String(reflecting: plain) == String(reflecting: foundation))
    }

    /// The layout noted on the way is the one the layout scanner finds, or none when a key has an escape.
    @Test(arguments: [
        #"{"model":"gpt-4o","messages":[{"role":"user","content":"Hello"}]}"#,
        #" { "model" : "m" , "messages" : [ { "role" : "user" , "content" : "hi" } ] , "stream" : true , "x" : { "y" : [ 1 ] } } "#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":0.7,"stream_options":{"include_usage":true}}"#,
        #"{"mod\u0065l":"m","messages":[{"role":"user","content":"x"}]}"#,
    ])
    func theLayoutIsTheScannersLayout(json: String) throws {
        let bytes = Array(json.utf8)
        let decoded = try #require(bytes.withUnsafeBytes { PlainChatRequestDecoder.decode($0) })
        let scanned = bytes.withUnsafeBytes { JSONObjectLayout($0) }
        #expect(decoded.layout?.members.map(\.key) == scanned?.members.map(\.key))
        #expect(decoded.layout?.members.map(\.value) == scanned?.members.map(\.value))
        #expect(decoded.layout?.closingBrace == scanned?.closingBrace)
    }

    /// Typed fields it does not read, values of another type, and anything JSONDecoder would refuse: declined, so
    /// that `JSONDecoder` answers (or names the field in its error).
    @Test(arguments: [
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[]}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"stop":"\n"}"#,
        #"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"x"}]}]}"#,
        #"{"model":"m","messages":[{"role":"assistant","tool_calls":[]}]}"#,
        #"{"model":"m","messages":[{"role":"wizard","content":"x"}]}"#,
        #"{"model":"m","messages":[{"content":"x"}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":1.0}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":99999999999999999999}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":"hot"}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":1e999}"#,
        #"{"model":"m","model":"n","messages":[{"role":"user","content":"x"}]}"#,
        #"{"model":7,"messages":[{"role":"user","content":"x"}]}"#,
        #"{"messages":[{"role":"user","content":"x"}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"x":tru}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"x":01}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"x":1.}"#,
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"raw\ttab\"}]}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a longer text with a raw\ttab deep inside\"}]}",
        #"{"model":"m","messages":[{"role":"user","content":"\ud83d alone"}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":"\x"}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}]} trailing"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"x":"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"deep":"# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}",
    ])
    func otherBodiesAreDeclined(json: String) {
        #expect(Self.plain(json) == nil)
    }

    @Test func invalidUTF8IsDeclined() {
        var bytes = Array(#"{"model":"m","messages":[{"role":"user","content":"x"#.utf8)
        bytes += [0xC3, 0x28] + Array(#""}]}"#.utf8)
        #expect(bytes.withUnsafeBytes { PlainChatRequestDecoder.decode($0) } == nil)
    }

    /// A declined body still decodes, through `JSONDecoder`, and a refused one keeps its field-naming error.
    @Test func declinedBodiesFallBackToJSONDecoder() throws {
        let tools = try ChatRequest.decode(Data(#"{"model":"m","messages":[{"role":"user","content":"x"}],"stop":["a"],"max_tokens":1.0}"#.utf8))
        #expect(tools.typed.stop?.values == ["a"])
        #expect(tools.typed.maxTokens == 1)
        #expect(throws: GatewayError.invalidRequest("Field 'temperature' has the wrong type; expected a number.", param: "temperature")) {
            try ChatRequest.decode(Data(#"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":"hot"}"#.utf8))
        }
    }
}
