@testable import SwitchboardCore
import Testing

@Suite struct SlotTableTests {
    @Test func aKeyKeepsItsSlotAndValueAsOthersArrive() {
        var table = SlotTable<String, Int>()
        #expect(table.slot(of: "a") == nil)
        let a = table.slot(of: "a") { 1 }
        let b = table.slot(of: "b") { 2 }
        #expect(a != b)
        // An existing key keeps its slot and value; the default is not used.
        #expect(table.slot(of: "a") { 99 } == a)
        table[a] += 10
        for key in 0..<100 { _ = table.slot(of: "k\(key)") { key } }
        #expect(table.slot(of: "a") == a)
        #expect(table[a] == 11)
        #expect(table.value(of: "b") == 2)
        #expect(table.value(of: "missing") == nil)
        #expect(Dictionary(uniqueKeysWithValues: table.entries.map { ($0.key, $0.value) }).count == 102)
    }
}
