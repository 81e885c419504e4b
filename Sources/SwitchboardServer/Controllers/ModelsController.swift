import Hummingbird
import SwitchboardCore

/// `GET /v1/models`: the models this caller may use, in the OpenAI list format.
struct ModelsController {
    typealias Context = GatewayRequestContext
    let catalog: ModelCatalog

    struct ModelList: ResponseEncodable {
        var object = "list"
        var data: [Model]
    }

    struct Model: Codable {
        var id: String
        var object = "model"
        var created = 0
        var ownedBy: String
        enum CodingKeys: String, CodingKey { case id, object, created, ownedBy = "owned_by" }
    }

    var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self).get("models", use: list)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> ModelList {
        let models = catalog.listedModels.filter { model in
            guard case .virtualKey(let key) = context.identity else { return true }
            return key.mayUse(model.id)
        }
        return ModelList(data: models.map { Model(id: $0.id, ownedBy: $0.ownedBy) })
    }
}
