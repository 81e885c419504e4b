import Hummingbird
import SwitchboardCore

/// `GET /admin/v1/flags[?subject=KEY_ID]`: the configured feature flags, and with `subject`, whether each
/// is on for that key id (or user). Admin key only (mounted on the admin group).
struct FlagsController {
    typealias Context = GatewayRequestContext
    let flags: FeatureFlags

    struct Listing: ResponseEncodable {
        struct Flag: Codable {
            var name: String
            var enabled: Bool
            var rolloutPercent: Int
            var description: String?
            /// Present when a subject was given.
            var on: Bool?
            enum CodingKeys: String, CodingKey { case name, enabled, rolloutPercent = "rollout_percent", description, on }
        }

        var object = "list"
        var data: [Flag]
    }

    var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self).get(use: list)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Listing {
        let subject = request.uri.queryParameters.get("subject")
        return Listing(data: flags.all.sorted { $0.name < $1.name }.map { flag in
            Listing.Flag(name: flag.name, enabled: flag.enabled, rolloutPercent: flag.rolloutPercent, description: flag.description,
                         on: subject.map { flag.isOn(for: $0) })
        })
    }
}
