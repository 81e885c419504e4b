import Foundation
import Logging

/// How log lines are written: one JSON object per line (for collectors) or readable text (for terminals).
public enum LogFormat: String, Sendable, CaseIterable {
    case json
    case text
}

/// Where finished log lines go; the executable writes them to stdout, tests to memory.
public struct LogOutput: Sendable {
    public let write: @Sendable (String) -> Void
    public init(_ write: @escaping @Sendable (String) -> Void) { self.write = write }

    /// Standard output, one line per call.
    public static let standardOutput = LogOutput { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
}

/// A swift-log handler that writes one line per message, as JSON or text, with credentials redacted.
/// JSON lines carry `timestamp`, `level`, `label`, `message`, then the metadata fields.
public struct StructuredLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let format: LogFormat
    let output: LogOutput

    public init(label: String, format: LogFormat, level: Logger.Level = .info, output: LogOutput = .standardOutput) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let fields = merged.reduce(into: Logger.Metadata()) { $0[$1.key] = LogRedaction.redact($1.value, name: $1.key) }
        let message = LogRedaction.scrub(event.message.description)
        switch format {
        case .json: output.write(jsonLine(level: event.level, message: message, fields: fields))
        case .text: output.write(textLine(level: event.level, message: message, fields: fields))
        }
    }

    private func jsonLine(level: Logger.Level, message: String, fields: Logger.Metadata) -> String {
        var object: [String: Any] = [:]
        for (name, value) in fields { object[name] = Self.json(value) }
        object["timestamp"] = Self.timestamp()
        object["level"] = level.rawValue
        object["label"] = label
        object["message"] = message
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return #"{"level":"error","message":"unencodable log line"}"#
        }
        return String(decoding: data, as: UTF8.self)
    }

    private func textLine(level: Logger.Level, message: String, fields: Logger.Metadata) -> String {
        let pairs = fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "\(Self.timestamp()) \(level.rawValue.uppercased()) \(label): \(message)\(pairs.isEmpty ? "" : " " + pairs)"
    }

    /// Metadata as JSON: numbers and booleans given as `.stringConvertible` stay numbers and booleans.
    static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let text): return text
        case .stringConvertible(let convertible):
            switch convertible {
            case let number as Int: return number
            case let number as Double: return number
            case let flag as Bool: return flag
            default: return convertible.description
            }
        case .array(let values): return values.map(json)
        case .dictionary(let values): return values.mapValues(json)
        }
    }

    private static func timestamp() -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(Date())
    }
}
