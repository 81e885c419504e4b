import Foundation
import SwitchboardCore
import Testing

/// Parses a JSON literal for tests.
func policyJSON(_ text: String) throws -> JSONValue {
    try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
}

@Suite struct PolicySchemaCheckTests {
    @Test(arguments: [
        ##"{"type":"object","properties":{"city":{"type":"string","minLength":1}},"required":["city"]}"##,
        ##"{"type":["string","null"],"description":"annotations","x-vendor":{"any":1},"format":"date"}"##,
        ##"{"$defs":{"node":{"type":"object","properties":{"next":{"$ref":"#/$defs/node"}}}},"$ref":"#/$defs/node"}"##,
        ##"{"definitions":{"a":{"type":"integer"}},"items":{"$ref":"#/definitions/a"},"prefixItems":[true,false]}"##,
        ##"{"anyOf":[{"type":"string"},{"type":"number","multipleOf":0.5}],"not":{"const":3},"enum":[1,"a",null]}"##,
        ##"{"type":"string","pattern":"^[a-z]+\\d{2}$","minLength":0,"maxLength":10}"##,
        ##"{"items":[{"type":"string"}],"uniqueItems":true,"$schema":"https://json-schema.org/draft/2020-12/schema"}"##,
        "true",
    ])
    func acceptsValidSchemas(_ text: String) throws {
        #expect(JSONSchemaValidator.checkSchema(try policyJSON(text)) == [])
    }

    @Test(arguments: [
        (##"{"properties":{"city":{"type":"strin"}}}"##, "/properties/city/type"),
        (##"{"type":["string",3]}"##, "/type/1"),
        (##"{"type":["string","string"]}"##, "/type/1"),
        (##"{"type":[]}"##, "/type"),
        (##"{"required":"city"}"##, "/required"),
        (##"{"minLength":-1}"##, "/minLength"),
        (##"{"maxItems":1.5}"##, "/maxItems"),
        (##"{"minimum":"3"}"##, "/minimum"),
        (##"{"multipleOf":0}"##, "/multipleOf"),
        (##"{"pattern":"(unclosed"}"##, "/pattern"),
        (##"{"anyOf":[]}"##, "/anyOf"),
        (##"{"allOf":[{"type":"string"},3]}"##, "/allOf/1"),
        (##"{"additionalProperties":"no"}"##, "/additionalProperties"),
        (##"{"properties":[]}"##, "/properties"),
        (##"{"$ref":"#/$defs/missing"}"##, "/$ref"),
        (##"{"$ref":"https://example.com/schema.json"}"##, "/$ref"),
        (##"{"$ref":"#/required","required":["a"]}"##, "/$ref"),
        (##"{"uniqueItems":"yes"}"##, "/uniqueItems"),
        (##"{"enum":"a"}"##, "/enum"),
        (##"{"properties":{"a/b":{"type":1}}}"##, "/properties/a~1b/type"),
        (##""string""##, ""),
    ])
    func reportsProblemsWithSchemaPaths(_ text: String, path: String) throws {
        let problems = JSONSchemaValidator.checkSchema(try policyJSON(text))
        #expect(problems.map(\.path) == [path])
        #expect(problems.allSatisfy { !$0.message.isEmpty })
    }

    @Test(arguments: [
        ##"{"$defs":{"a":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}"##,
        ##"{"$defs":{"a":{"allOf":[{"$ref":"#/$defs/b"}]},"b":{"anyOf":[{"not":{"$ref":"#/$defs/a"}}]}}}"##,
        ##"{"allOf":[{"$ref":"#"}]}"##,
    ])
    func rejectsReferenceCyclesThatNeverConsumeTheInstance(_ text: String) throws {
        let problems = JSONSchemaValidator.checkSchema(try policyJSON(text))
        #expect(problems.contains { $0.message.contains("cycle") })
        #expect(throws: JSONSchemaValidator.InvalidSchema.self) { try JSONSchemaValidator(schema: try policyJSON(text)) }
    }

    @Test func rejectsHostilelyDeepSchemasWithoutRecursingForever() throws {
        var schema: JSONValue = ["type": "string"]
        for _ in 0..<500 { schema = ["properties": .object(["a": schema])] }
        let problems = JSONSchemaValidator.checkSchema(schema)
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("deeper") == true)
    }
}

@Suite struct PolicySchemaValidationTests {
    static let weather = ##"""
        {"type":"object","additionalProperties":false,"required":["city","days"],
         "properties":{
           "city":{"type":"string","minLength":2,"maxLength":20,"pattern":"^[A-Z]"},
           "days":{"type":"integer","minimum":1,"maximum":14},
           "unit":{"enum":["c","f"]},
           "tags":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":3,"uniqueItems":true},
           "point":{"type":"array","prefixItems":[{"type":"number"},{"type":"number"}],"items":false},
           "step":{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1,"multipleOf":0.25},
           "mode":{"const":"fast"},
           "when":{"type":["string","null"],"format":"date-time"}
         }}
        """##

    static func validator(_ schema: String = weather) throws -> JSONSchemaValidator {
        try JSONSchemaValidator(schema: try policyJSON(schema))
    }

    @Test(arguments: [
        ##"{"city":"Paris","days":3}"##,
        ##"{"city":"Oslo","days":14.0,"unit":"c","tags":["a","b"],"point":[1,2.5],"step":0.75,"mode":"fast","when":null}"##,
        ##"{"city":"Rome","days":1,"when":"not a date: format is ignored"}"##,
    ])
    func acceptsValidInstances(_ text: String) throws {
        #expect(try Self.validator().validate(try policyJSON(text)) == [])
    }

    @Test(arguments: [
        (##"{"days":3}"##, "/city"),
        (##"{"city":"Paris","days":3,"extra":1}"##, "/extra"),
        (##"{"city":7,"days":3}"##, "/city"),
        (##"{"city":"P","days":3}"##, "/city"),
        (##"{"city":"ParisParisParisParisParis","days":3}"##, "/city"),
        (##"{"city":"paris","days":3}"##, "/city"),
        (##"{"city":"Paris","days":2.5}"##, "/days"),
        (##"{"city":"Paris","days":0}"##, "/days"),
        (##"{"city":"Paris","days":15}"##, "/days"),
        (##"{"city":"Paris","days":3,"unit":"k"}"##, "/unit"),
        (##"{"city":"Paris","days":3,"tags":[]}"##, "/tags"),
        (##"{"city":"Paris","days":3,"tags":["a","b","c","d"]}"##, "/tags"),
        (##"{"city":"Paris","days":3,"tags":["a","b","a"]}"##, "/tags/2"),
        (##"{"city":"Paris","days":3,"tags":["a",2]}"##, "/tags/1"),
        (##"{"city":"Paris","days":3,"point":[1,"x"]}"##, "/point/1"),
        (##"{"city":"Paris","days":3,"point":[1,2,3]}"##, "/point/2"),
        (##"{"city":"Paris","days":3,"step":0}"##, "/step"),
        (##"{"city":"Paris","days":3,"step":1}"##, "/step"),
        (##"{"city":"Paris","days":3,"step":0.3}"##, "/step"),
        (##"{"city":"Paris","days":3,"mode":"slow"}"##, "/mode"),
        (##"{"city":"Paris","days":3,"when":5}"##, "/when"),
        (##"[]"##, ""),
    ])
    func reportsViolationsWithInstancePaths(_ text: String, path: String) throws {
        let problems = try Self.validator().validate(try policyJSON(text))
        #expect(problems.map(\.path) == [path])
    }

    @Test func reportsEveryViolationUpToTheLimit() throws {
        let instance = try policyJSON(##"{"city":1,"days":"x","unit":"k","mode":"slow"}"##)
        #expect(try Self.validator().validate(instance).map(\.path) == ["/city", "/days", "/mode", "/unit"])
        let limited = try JSONSchemaValidator(schema: try policyJSON(Self.weather), maxProblems: 2)
        #expect(limited.validate(instance).count == 2)
    }

    @Test func appliesCombinatorsAndReferences() throws {
        let validator = try Self.validator(##"""
            {"$defs":{"pos":{"type":"integer","minimum":0}},
             "type":"object",
             "properties":{
               "id":{"anyOf":[{"type":"string"},{"$ref":"#/$defs/pos"}]},
               "kind":{"oneOf":[{"type":"integer"},{"type":"number","minimum":10}]},
               "name":{"allOf":[{"type":"string"},{"minLength":2}],"not":{"const":"root"}},
               "tree":{"$ref":"#/definitions/node"}},
             "definitions":{"node":{"type":"object","properties":{"child":{"$ref":"#/definitions/node"}},
                                    "additionalProperties":{"type":"integer"}}}}
            """##)
        let good = try policyJSON(##"{"id":"a","kind":2,"name":"ab","tree":{"child":{"child":{"v":1}}}}"##)
        #expect(validator.validate(good) == [])
        let bad = try policyJSON(##"{"id":-1,"kind":12,"name":"root","tree":{"child":{"child":{"v":"x"}}}}"##)
        #expect(validator.validate(bad).map(\.path) == ["/id", "/kind", "/name", "/tree/child/child/v"])
    }

    @Test func treatsNumericallyEqualValuesAsEqual() throws {
        let validator = try Self.validator(##"{"type":"array","uniqueItems":true,"items":{"enum":[1,2]}}"##)
        #expect(validator.validate(try policyJSON("[1.0, 2]")) == [])
        #expect(validator.validate(try policyJSON("[1, 1.0]")).map(\.path) == ["/1"])
    }

    @Test func boundsWorkOnExponentialSchemas() throws {
        // Each level doubles the work through anyOf; the step budget stops it instead of hanging.
        var defs: [String: JSONValue] = ["d0": ["type": "integer"]]
        for level in 1...40 {
            let below: JSONValue = ["$ref": .string("#/$defs/d\(level - 1)")]
            defs["d\(level)"] = ["anyOf": [["allOf": [below, false]], below]]
        }
        let validator = try JSONSchemaValidator(schema: ["$defs": .object(defs), "$ref": "#/$defs/d40"])
        let problems = validator.validate("not an integer")
        #expect(!problems.isEmpty)
        #expect(validator.isValid("x") == false)
    }
}
