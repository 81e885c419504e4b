import Foundation
import SwitchboardCore
import SwitchboardStorage

extension GovernanceAdmin {
    /// The admin operations on the SQLite database in `dataDirectory`, for the CLI. Budgets are rebuilt from
    /// the ledger so that spend figures match what the server sees.
    public static func sqlite(dataDirectory: String) async throws -> GovernanceAdmin {
        let database = try SQLiteDatabase(directory: dataDirectory)
        let store = SQLiteGovernanceStore(database: database)
        let clock = SystemClock()
        let admin = GovernanceAdmin(
            tenants: store, keys: store, usage: SQLiteUsageRepository(database: database), budgets: MemoryBudgetLedger(clock: clock), clock: clock
        )
        try await admin.rebuildAllSpend()
        return admin
    }
}

/// Renders rows as an aligned text table for terminals.
public enum TextTable {
    public static func render(header: [String], rows: [[String]]) -> String {
        let widths = header.indices.map { column in
            ([header[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(separator: "\n")
    }
}
