import Foundation
import Logging
import SwitchboardCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How log lines are written: one JSON object per line (for collectors) or readable text (for terminals).
public enum LogFormat: String, Sendable, CaseIterable {
    case json
    case text
}

/// Where finished log lines go; the executable writes them to stdout, tests to memory.
public struct LogOutput: Sendable {
    public let write: @Sendable (String) -> Void
    public init(_ write: @escaping @Sendable (String) -> Void) { self.write = write }

    /// Standard output, one `write` per line (so lines from several threads never interleave).
    public static let standardOutput = LogOutput { line in
        var line = line + "\n"
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                #if canImport(Glibc)
                let written = Glibc.write(1, bytes.baseAddress! + offset, bytes.count - offset)
                #else
                let written = Darwin.write(1, bytes.baseAddress! + offset, bytes.count - offset)
                #endif
                if written <= 0 { return }
                offset += written
            }
        }
    }
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
        let fields = Self.fields(handler: metadata, provided: metadataProvider?.get(), event: event.metadata)
        let message = LogRedaction.scrub(event.message.description)
        switch format {
        case .json: output.write(jsonLine(level: event.level, message: message, fields: fields))
        case .text: output.write(textLine(level: event.level, message: message, fields: fields))
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
        for index in fields.indices { fields[index].value = LogRedaction.redact(fields[index].value, name: fields[index].name) }
        return fields
    }

    /// `timestamp`, `level`, `label`, `message`, then the fields in name order; written by hand, which is several
    /// times cheaper than `JSONSerialization` on a line per request.
    private func jsonLine(level: Logger.Level, message: String, fields: [(name: String, value: Logger.MetadataValue)]) -> String {
        var line = "{"
        line.reserveCapacity(256 + fields.count * 32)
        JSONLine.member("timestamp", .string(LogTimestamp.now()), to: &line, first: true)
        JSONLine.member("level", .string(level.rawValue), to: &line)
        JSONLine.member("label", .string(label), to: &line)
        JSONLine.member("message", .string(message), to: &line)
        for field in fields { JSONLine.member(field.name, field.value, to: &line) }
        line.append("}")
        return line
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
        return "\(LogTimestamp.now()) \(level.rawValue.uppercased()) \(label): \(message)\(pairs.isEmpty ? "" : " " + pairs)"
    }

}

/// Writes JSON members into a log line: numbers and booleans given as `.stringConvertible` stay numbers and
/// booleans, everything else is a string, array or object.
enum JSONLine {
    static func member(_ name: String, _ value: Logger.MetadataValue, to line: inout String, first: Bool = false) {
        if !first { line.append(",") }
        JSONStringLiteral.append(name, to: &line)
        line.append(":")
        self.value(value, to: &line)
    }

    static func value(_ value: Logger.MetadataValue, to line: inout String) {
        switch value {
        case .string(let text):
            JSONStringLiteral.append(text, to: &line)
        case .stringConvertible(let convertible):
            switch convertible {
            case let number as Int: line.append(String(number))
            case let number as Double: line.append(number.isFinite ? String(number) : "null")
            case let flag as Bool: line.append(flag ? "true" : "false")
            default: JSONStringLiteral.append(convertible.description, to: &line)
            }
        case .array(let values):
            line.append("[")
            for (index, element) in values.enumerated() {
                if index > 0 { line.append(",") }
                self.value(element, to: &line)
            }
            line.append("]")
        case .dictionary(let values):
            line.append("{")
            for (index, name) in values.keys.sorted().enumerated() {
                member(name, values[name]!, to: &line, first: index == 0)
            }
            line.append("}")
        }
    }
}

/// UTC timestamps with milliseconds (`2026-11-23T17:43:46.242Z`), formatted from the C calendar functions,
/// which is much cheaper than a `Date.FormatStyle` per log line.
enum LogTimestamp {
    static func now() -> String {
        let now = Date().timeIntervalSince1970
        var seconds = time_t(now.rounded(.down))
        let millis = min(999, Int((now - now.rounded(.down)) * 1000))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return "\(Int(parts.tm_year) + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(three(millis))Z"
    }

    private static func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
    private static func three(_ value: Int) -> String { value < 10 ? "00\(value)" : value < 100 ? "0\(value)" : "\(value)" }
}
