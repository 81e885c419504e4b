import Crypto
import Foundation

/// A named switch with a gradual rollout: on for `rolloutPercent` of subjects (virtual key ids, or the
/// request's `user`), chosen by consistent hashing so that a subject stays on the same side as the
/// percentage grows.
public struct FeatureFlag: Sendable, Equatable {
    public var name: String
    public var enabled: Bool
    /// 0 to 100.
    public var rolloutPercent: Int
    public var description: String?

    public init(name: String, enabled: Bool = true, rolloutPercent: Int = 100, description: String? = nil) {
        self.name = name
        self.enabled = enabled
        self.rolloutPercent = rolloutPercent
        self.description = description
    }

    /// Whether the flag is on for `subject`. Without a subject only a full rollout is on.
    public func isOn(for subject: String?) -> Bool {
        guard enabled, rolloutPercent > 0 else { return false }
        if rolloutPercent >= 100 { return true }
        guard let subject else { return false }
        return Self.bucket(flag: name, subject: subject) < rolloutPercent
    }

    /// The subject's bucket, 0 to 99, for this flag: SHA-256 of `flag:subject`, so that different flags
    /// roll out to different subjects.
    public static func bucket(flag: String, subject: String) -> Int {
        let digest = SHA256.hash(data: Data("\(flag):\(subject)".utf8))
        let value = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Int(value % 100)
    }
}

/// The configured flags, by name.
public struct FeatureFlags: Sendable, Equatable {
    public var all: [FeatureFlag]

    public init(_ flags: [FeatureFlag] = []) { self.all = flags }

    /// Whether `name` is on for `subject`; an unknown flag is off.
    public func isOn(_ name: String, for subject: String?) -> Bool {
        all.first { $0.name == name }?.isOn(for: subject) ?? false
    }
}
