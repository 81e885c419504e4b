import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock (`flock`) on `switchboard.lock` in the data directory. `serve` holds it for
/// its whole run, so that `restore` can refuse to replace a database a server has open. The lock goes
/// with the process: a crashed server leaves nothing to clean up.
public final class DataDirectoryLock: Sendable {
    /// Thrown when another process (or another holder in this one) has the lock.
    public struct HeldElsewhere: Error, CustomStringConvertible {
        public let directory: String
        public var description: String {
            "the data directory \(directory) is in use by a running switchboard server; stop it first"
        }
    }

    private let descriptor: Int32
    /// The lock file.
    public let path: String

    /// Takes the lock without waiting, creating the directory and the lock file if needed.
    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("switchboard.lock")
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw HeldElsewhere(directory: directory)
        }
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
