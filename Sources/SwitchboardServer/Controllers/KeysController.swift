import Foundation
import Hummingbird
import SwitchboardCore

/// `/admin/v1/keys`: create (the only answer that carries the secret), list, read, patch, revoke, spend.
struct KeysController {
    typealias Context = GatewayRequestContext
    let admin: GovernanceAdmin

    struct CreateBody: Decodable {
        var tenant: String
        var name: String?
        var expiresAt: Date?
        var metadata: [String: String]?
        var limits: AdminJSON.LimitsBody
        enum CodingKeys: String, CodingKey { case tenant, name, metadata, expiresAt = "expires_at" }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            tenant = try container.decode(String.self, forKey: .tenant)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            expiresAt = try container.decodeIfPresent(Date.self, forKey: .expiresAt)
            metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata)
            limits = try AdminJSON.LimitsBody(from: decoder)
        }
    }

    struct PatchBody: Decodable {
        var name: String?
        var expiresAt: Date??
        var disabled: Bool?
        var metadata: [String: String]?
        var limits: AdminJSON.LimitsBody
        enum CodingKeys: String, CodingKey { case name, disabled, metadata, expiresAt = "expires_at" }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            expiresAt = try container.decodeNullable(Date.self, forKey: .expiresAt)
            disabled = try container.decodeIfPresent(Bool.self, forKey: .disabled)
            metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata)
            limits = try AdminJSON.LimitsBody(from: decoder)
        }
    }

    var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self)
            .post { request, _ in
                let body = try await AdminJSON.decode(CreateBody.self, from: request)
                let (key, secret) = try await admin.createKey(
                    tenant: body.tenant, name: body.name ?? "", limits: body.limits.limits, expiresAt: body.expiresAt, metadata: body.metadata ?? [:]
                )
                return EditedResponse(status: .created, response: AdminJSON.KeyBody(key, secret: secret))
            }
            .get { request, _ in
                let tenant = request.uri.queryParameters.get("tenant")
                return AdminJSON.List(data: try await admin.keys.list(tenant: tenant).map { AdminJSON.KeyBody($0) })
            }
            .get(":id") { _, context in AdminJSON.KeyBody(try await admin.key(try context.parameters.require("id"))) }
            .patch(":id") { request, context in
                let body = try await AdminJSON.decode(PatchBody.self, from: request)
                let key = try await admin.updateKey(
                    try context.parameters.require("id"), name: body.name, limits: body.limits.limits, expiresAt: body.expiresAt,
                    disabled: body.disabled, metadata: body.metadata
                )
                return AdminJSON.KeyBody(key)
            }
            .delete(":id") { _, context in AdminJSON.KeyBody(try await admin.revokeKey(try context.parameters.require("id"))) }
            .get(":id/spend") { _, context in
                try await SpendResponder.spend(admin: admin, scope: .key(try context.parameters.require("id")))
            }
    }
}
