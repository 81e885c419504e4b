import Hummingbird
import SwitchboardCore

/// `/admin/v1/tenants`: create, list, read, patch, delete, and spend.
struct TenantsController {
    typealias Context = GatewayRequestContext
    let admin: GovernanceAdmin

    struct CreateBody: Decodable {
        var name: String
        var limits: AdminJSON.LimitsBody
        init(from decoder: any Decoder) throws {
            name = try decoder.container(keyedBy: AnyKey.self).decode(String.self, forKey: AnyKey("name"))
            limits = try AdminJSON.LimitsBody(from: decoder)
        }
    }

    var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self)
            .post { request, _ in
                let body = try await AdminJSON.decode(CreateBody.self, from: request)
                let tenant = try await admin.createTenant(name: body.name, limits: body.limits.limits)
                return EditedResponse(status: .created, response: AdminJSON.TenantBody(tenant))
            }
            .get { _, _ in AdminJSON.List(data: try await admin.tenants.list().map(AdminJSON.TenantBody.init)) }
            .get(":name") { _, context in AdminJSON.TenantBody(try await admin.tenant(try context.parameters.require("name"))) }
            .patch(":name") { request, context in
                let body = try await AdminJSON.decode(AdminJSON.LimitsBody.self, from: request)
                return AdminJSON.TenantBody(try await admin.updateTenant(try context.parameters.require("name"), limits: body.limits))
            }
            .delete(":name") { _, context in
                try await admin.deleteTenant(try context.parameters.require("name"))
                return HTTPResponse.Status.noContent
            }
            .get(":name/spend") { _, context in
                let name = try context.parameters.require("name")
                return try await SpendResponder.spend(admin: admin, scope: .tenant(name))
            }
    }
}

/// Answers the spend endpoints of keys and tenants.
enum SpendResponder {
    static func spend(admin: GovernanceAdmin, scope: BudgetScope) async throws -> AdminJSON.SpendBody {
        if let status = try await admin.spend(of: scope) { return AdminJSON.SpendBody(status) }
        return AdminJSON.SpendBody(unbudgetedSpent: try await admin.usage.spend(of: scope, since: .distantPast))
    }
}

/// A coding key made from any string.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
