import HTTPTypes
@testable import SwitchboardServer
import Testing

/// The in-place header reads and writes agree with HTTPFields' subscript.
@Suite struct HTTPFieldsSingleTests {
    static let name = HTTPField.Name("x-test")!

    @Test(arguments: [[], ["a"], ["a", "b"], ["a", "b", "c"]] as [[String]])
    func readsAndWritesAsTheSubscriptDoes(values: [String]) {
        var fields = HTTPFields()
        fields.append(HTTPField(name: .contentType, value: "text/plain"))
        for value in values { fields.append(HTTPField(name: Self.name, value: value)) }
        fields.append(HTTPField(name: .accept, value: "*/*"))
        #expect(fields.single(Self.name) == fields[Self.name])
        #expect(fields.single(HTTPField.Name("X-TEST")!) == fields[Self.name], "names compare without case")

        var viaSubscript = fields
        viaSubscript[Self.name] = "new"
        var viaSet = fields
        viaSet.set(Self.name, "new")
        #expect(viaSet[values: Self.name] == ["new"])
        #expect(Set(viaSet.map(\.description)) == Set(viaSubscript.map(\.description)))
        #expect(viaSet.count == viaSubscript.count)
    }
}
