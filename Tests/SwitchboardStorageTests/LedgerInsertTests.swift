import Foundation
import GRDB
import SwitchboardCore
@testable import SwitchboardStorage
import Testing

/// The ledger's insert binds every column itself: each value must come back as it went in.
@Suite struct LedgerInsertTests {
    static let records = [
        UsageRecord(
            requestID: "req-full", time: Date(timeIntervalSince1970: 1_800_000_000.25), tenant: "acme", keyID: "key_1",
            publicModel: "fast ✓ \"model\"", provider: "openai", upstreamModel: "gpt-4o-mini", promptTokens: 1_234_567,
            completionTokens: 89, cachedTokens: 12, cost: USD(nanos: 9_876_543_210), estimated: true, latencyMilliseconds: 1_042,
            timeToFirstByteMilliseconds: 17, status: 502, errorType: "upstream_error", streamed: true, clientDisconnected: true,
            attempts: 3
        ),
        UsageRecord(requestID: "req-bare", time: Date(timeIntervalSince1970: 1_800_000_001), tenant: nil, keyID: nil, publicModel: "", status: 200),
    ]

    static let longID = "req-" + String(repeating: "é", count: 600)

    @Test func everyColumnComesBackAsItWentIn() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sb-usage-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try SQLiteDatabase(directory: directory)
        try await SQLiteUsageRepository(database: database).append(Self.records)
        try await SQLiteUsageRepository(database: database).append([Self.records[0]].map { var record = $0; record.requestID = Self.longID; return record })
        let rows = try database.pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM usage_record ORDER BY rowid") }
        #expect(rows.count == 3)
        for (row, record) in zip(rows, Self.records) {
            #expect(row["request_id"] == record.requestID)
            #expect(row["time"] == record.time.timeIntervalSince1970)
            #expect(row["tenant"] as String? == record.tenant)
            #expect(row["key_id"] as String? == record.keyID)
            #expect(row["public_model"] == record.publicModel)
            #expect(row["provider"] as String? == record.provider)
            #expect(row["upstream_model"] as String? == record.upstreamModel)
            #expect(row["prompt_tokens"] == record.promptTokens)
            #expect(row["completion_tokens"] == record.completionTokens)
            #expect(row["cached_tokens"] == record.cachedTokens)
            #expect(row["cost_nanos"] == record.cost.nanos)
            #expect(row["estimated"] == record.estimated)
            #expect(row["latency_ms"] == record.latencyMilliseconds)
            #expect(row["ttfb_ms"] as Int? == record.timeToFirstByteMilliseconds)
            #expect(row["status"] == record.status)
            #expect(row["error_type"] as String? == record.errorType)
            #expect(row["streamed"] == record.streamed)
            #expect(row["client_disconnected"] == record.clientDisconnected)
            #expect(row["attempts"] == record.attempts)
        }
        // Longer than the texts' first capacity: their buffer grows while the row is put together.
        #expect(rows[2]["request_id"] == Self.longID)
        #expect(rows[2]["public_model"] == Self.records[0].publicModel)
        let bare = rows[1]
        #expect((bare["tenant"] as DatabaseValue).isNull)
        #expect(bare["public_model"] as DatabaseValue == "".databaseValue, "an empty string is stored as one, not NULL")
        #expect((bare["ttfb_ms"] as DatabaseValue).isNull)
    }

    /// A batch of nineteen goes in as two statements of eight rows and three of one: every row as it went in, in
    /// the batch's order.
    @Test func groupedRowsComeBackInOrder() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sb-usage-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try SQLiteDatabase(directory: directory)
        let records = (0..<19).map { index in
            var record = Self.records[index % 2]
            record.requestID = "req-\(index)-" + String(repeating: "é", count: index * 7)
            record.promptTokens = index
            record.tenant = index.isMultiple(of: 3) ? nil : "tenant-\(index)"
            record.errorType = index.isMultiple(of: 4) ? "" : record.errorType
            return record
        }
        try await SQLiteUsageRepository(database: database).append(records)
        let rows = try database.pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM usage_record ORDER BY rowid") }
        #expect(rows.count == records.count)
        for (row, record) in zip(rows, records) {
            #expect(row["request_id"] == record.requestID)
            #expect(row["prompt_tokens"] == record.promptTokens)
            #expect(row["tenant"] as String? == record.tenant)
            #expect(row["key_id"] as String? == record.keyID)
            #expect(row["public_model"] == record.publicModel)
            #expect(row["error_type"] as String? == record.errorType)
            #expect(row["cost_nanos"] == record.cost.nanos)
            #expect(row["ttfb_ms"] as Int? == record.timeToFirstByteMilliseconds)
            #expect(row["attempts"] == record.attempts)
        }
    }
}
