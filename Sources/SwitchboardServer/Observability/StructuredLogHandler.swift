import Foundation
import Logging
import SwitchboardCore

/// How log lines are written: one JSON object per line (for collectors) or readable text (for terminals).
public enum LogFormat: String, Sendable, CaseIterable {
    case json
    case text
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

    /// Room for a request's labels (its id, key and tenant) at the first one: grown one entry at a time, the
    /// metadata was reallocated and rehashed at each label, about 1k instructions each (callgrind).
    static let labelCapacity = 4

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set {
            if metadata.isEmpty { metadata.reserveCapacity(Self.labelCapacity) }
            metadata[key] = newValue
        }
    }

    public func log(event: LogEvent) {
        let fields = Self.fields(handler: metadata, provided: metadataProvider?.get(), event: event.metadata)
        let message = LogRedaction.scrub(event.message.description)
        switch format {
        case .json: output.write(jsonLine(level: event.level, message: message, fields: fields), event.level)
        case .text: output.write(textLine(level: event.level, message: message, fields: fields), event.level)
        }
    }

    /// The line's fields in name order, redacted: the event's metadata over the provider's over the handler's.
    /// Gathered into one array, not merged dictionaries, since the completion line has twenty fields per request.
    static func fields(
        handler: Logger.Metadata, provided: Logger.Metadata?, event: Logger.Metadata?
    ) -> [(name: String, value: Logger.MetadataValue)] {
        var fields: [(name: String, value: Logger.MetadataValue)] = []
        fields.reserveCapacity((event?.count ?? 0) + (provided?.count ?? 0) + handler.count)
        for (name, value) in event ?? [:] where !isReserved(name) { fields.append((name, value)) }
        for (name, value) in provided ?? [:] where event?[name] == nil && !isReserved(name) { fields.append((name, value)) }
        for (name, value) in handler where event?[name] == nil && provided?[name] == nil && !isReserved(name) {
            fields.append((name, value))
        }
        fields.sort { $0.name < $1.name }
        // The gateway's own fields (most of a completion line) pass as they are, without a copy of their value.
        for index in fields.indices where !LogRedaction.isOwnField(fields[index].name) {
            fields[index].value = LogRedaction.redact(fields[index].value, name: fields[index].name)
        }
        return fields
    }

    /// `timestamp`, `level`, `label`, `message`, then the fields in name order; written by hand as UTF-8 bytes,
    /// which is several times cheaper than `JSONSerialization` or appending to a `String`, on a line per request.
    private func jsonLine(level: Logger.Level, message: String, fields: [(name: String, value: Logger.MetadataValue)]) -> String {
        line(level: level, message: message, capacity: fields.count * 32) { line in
            for field in fields { line.member(named: field.name, field.value) }
        }
    }

    private func line(level: Logger.Level, message: String, capacity: Int, members: (inout JSONLineWriter) -> Void) -> String {
        var line = JSONLineWriter(capacity: 256 + capacity)
        line.open()
        line.name("timestamp", first: true)
        line.timestamp(Date())
        line.member("level", level.rawValue)
        line.member("label", label)
        line.member("message", message)
        members(&line)
        line.close()
        return line.text
    }

    /// Whether ``writeJSONLine(level:message:members:)`` writes what ``log(event:)`` would: JSON, with no
    /// metadata of the handler's or a provider's to merge into the line.
    var writesPlainJSONLines: Bool { format == .json && metadata.isEmpty && metadataProvider == nil }

    /// Writes a JSON line whose members (after `message`) the caller writes, in name order and already redacted:
    /// for the completion line, which is written once per request with a fixed set of fields. Only for a
    /// handler that ``writesPlainJSONLines``; the level is not checked here.
    func writeJSONLine(level: Logger.Level, message: String, members: (inout JSONLineWriter) -> Void) {
        output.write(line(level: level, message: message, capacity: 512, members: members), level)
    }

    /// Names the handler writes itself; metadata cannot overwrite them.
    private static func isReserved(_ name: String) -> Bool {
        switch name {
        case "timestamp", "level", "label", "message": true
        default: false
        }
    }

    private func textLine(level: Logger.Level, message: String, fields: [(name: String, value: Logger.MetadataValue)]) -> String {
        let pairs = fields.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
        var timestamp = JSONLineWriter(capacity: 24)
        timestamp.timestamp(Date(), quoted: false)
        return "\(timestamp.text) \(level.rawValue.uppercased()) \(label): \(message)\(pairs.isEmpty ? "" : " " + pairs)"
    }

}
