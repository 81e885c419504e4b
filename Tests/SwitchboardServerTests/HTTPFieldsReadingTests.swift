import HTTPTypes
@testable import SwitchboardServer
import Testing

@Suite struct HTTPFieldsReadingTests {
    let custom = HTTPField.Name("x-custom-name")!
    /// The same length as `x-custom-name`, so only the name comparison tells them apart.
    let sameLength = HTTPField.Name("x-custom-nAmf")!

    @Test func readsLikeTheSubscript() {
        var fields: HTTPFields = [.contentType: "application/json", sameLength: "other"]
        fields.append(HTTPField(name: .authorization, value: "Bearer one"))
        #expect(fields.value(of: .authorization) == "Bearer one")
        #expect(fields.value(of: custom) == nil)
        #expect(fields.value(of: sameLength) == "other")
        #expect(fields.value(of: .contentType) == fields[.contentType])
        // Several fields of a name are joined, as the subscript joins them.
        fields.append(HTTPField(name: .authorization, value: "Bearer two"))
        #expect(fields.value(of: .authorization) == "Bearer one, Bearer two")
        #expect(fields.value(of: .authorization) == fields[.authorization])
    }

    @Test func findsNamesWithoutRegardToCase() {
        let fields: HTTPFields = [HTTPField.Name("X-Custom-Name")!: "1"]
        #expect(fields.has(custom))
        #expect(!fields.has(sameLength))
        #expect(fields.firstIndex(named: custom, from: 1) == nil)
    }

    @Test func closeIsOneTokenAmongOthersInAnyConnectionField() {
        #expect(!HTTPFields().asksToClose)
        #expect(!HTTPFields([HTTPField(name: .connection, value: "keep-alive")]).asksToClose)
        #expect(HTTPFields([HTTPField(name: .connection, value: "TE, Close")]).asksToClose)
        #expect(HTTPFields([HTTPField(name: .connection, value: "keep-alive"), HTTPField(name: .connection, value: " close\t")]).asksToClose)
        #expect(!HTTPFields([HTTPField(name: .connection, value: "closed, enclose")]).asksToClose)
    }
}
