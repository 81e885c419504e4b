@testable import SwitchboardCore
import Testing

@Suite struct ScalarCountTests {
    /// Every length around the eight-byte words, with scalars of one to four bytes (and a scalar made of two, a
    /// letter and its combining accent) at every place.
    @Test func countsWhatUnicodeScalarsCounts() {
        for piece in ["a", "é", "e\u{301}", "€", "🚦", "\u{7F}", "\u{80}"] {
            for before in 0..<12 {
                for after in 0..<12 {
                    let text = String(repeating: "x", count: before) + piece + String(repeating: "y", count: after)
                    #expect(text.unicodeScalarCount == text.unicodeScalars.count, "\(before) + \(piece) + \(after)")
                }
            }
        }
        #expect("".unicodeScalarCount == 0)
        let long = String(repeating: "héllo 🚦 wörld ", count: 300)
        #expect(long.unicodeScalarCount == long.unicodeScalars.count)
    }
}
