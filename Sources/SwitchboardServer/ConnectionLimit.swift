#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How many client connections the gateway serves at once. Each client connection of a chat request pairs with an
/// upstream connection, so a gateway that accepted without bound would run out of descriptors: upstream connects
/// would fail, and the process's own runtime could no longer open one. Connections beyond the limit wait in the
/// kernel's listen queue (``GatewayConfiguration/listenBacklog``) until one closes. A listener accepts in batches,
/// so up to one batch per listener (a few connections) can be accepted past the limit; those wait unserved, holding
/// a descriptor each from the reserve (``ConnectionGate``, ``ListenerConnections``).
enum ConnectionLimit {
    /// Descriptors kept for everything but client and upstream pairs: listeners, the database, logs, idle pooled
    /// upstream connections, the runtime's own.
    static let reservedDescriptors = 256

    /// The limit for a process allowed `descriptors` open files: two per connection after the reserve.
    static func forDescriptors(_ descriptors: Int) -> Int {
        max(16, (descriptors - reservedDescriptors) / 2)
    }

    /// The limit for this process: `configured`, else from its descriptor limit.
    static func resolve(configured: Int?) -> Int {
        configured ?? forDescriptors(descriptorLimit(raisingToHard: false))
    }

    /// This process's soft descriptor limit. With `raisingToHard`, the soft limit is first raised to the hard one,
    /// as nginx and Go's runtime do for a server.
    @discardableResult
    static func descriptorLimit(raisingToHard: Bool) -> Int {
        var limit = rlimit()
        #if canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0 else { return 1024 }
        if raisingToHard, limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }
}
