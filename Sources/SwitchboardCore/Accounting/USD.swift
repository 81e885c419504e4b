import Foundation

/// An amount of money in exact integer nano-dollars (10⁻⁹ USD), so that concurrent reservations and
/// settlements add up without floating-point drift.
public struct USD: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The amount in nano-dollars.
    public var nanos: Int64

    public init(nanos: Int64) { self.nanos = nanos }

    /// Rounds a dollar amount to the nearest nano-dollar.
    public init(dollars: Double) { self.nanos = Int64((dollars * 1e9).rounded()) }

    public static let zero = USD(nanos: 0)

    /// The amount in dollars, for JSON and display.
    public var dollars: Double { Double(nanos) / 1e9 }

    public static func + (lhs: USD, rhs: USD) -> USD { USD(nanos: lhs.nanos &+ rhs.nanos) }
    public static func - (lhs: USD, rhs: USD) -> USD { USD(nanos: lhs.nanos &- rhs.nanos) }
    public static func += (lhs: inout USD, rhs: USD) { lhs.nanos = lhs.nanos &+ rhs.nanos }
    public static func -= (lhs: inout USD, rhs: USD) { lhs.nanos = lhs.nanos &- rhs.nanos }
    public static func < (lhs: USD, rhs: USD) -> Bool { lhs.nanos < rhs.nanos }

    public init(from decoder: any Decoder) throws {
        self.init(dollars: try decoder.singleValueContainer().decode(Double.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(dollars)
    }

    public var description: String { "$" + String(format: "%.6f", dollars) }
}
