// suites/suite.schema.json, generated: the suite's own fields from here, each workload's from its spec.
#include "suite_schema.hpp"

#include "workloads/workload_spec.hpp"

namespace gpucert {
namespace {

// Everything of the schema but the workloads: item.properties.workload.enum and item.oneOf are filled in below.
constexpr const char* kSuiteSchemaBase = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://gpucert.invalid/suite.schema.json",
  "title": "gpucert suite",
  "description": "What gpucert measures. gpucert itself validates every suite before it runs (with messages naming the field); this schema documents the format for editors and other tools. Generated from each workload's spec by `gpucert list --schema`: do not edit by hand.",
  "type": "object",
  "required": [
    "schema_version",
    "name",
    "items"
  ],
  "additionalProperties": false,
  "properties": {
    "$schema": {
      "type": "string"
    },
    "schema_version": {
      "const": 1
    },
    "name": {
      "type": "string",
      "minLength": 1
    },
    "description": {
      "type": "string"
    },
    "defaults": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "warmup": {
          "$ref": "#/$defs/warmup"
        },
        "repetitions": {
          "$ref": "#/$defs/repetitions"
        },
        "timeout_s": {
          "$ref": "#/$defs/timeout_s"
        },
        "l2": {
          "$ref": "#/$defs/l2"
        }
      }
    },
    "parity_threshold": {
      "type": "number",
      "minimum": 0.5,
      "maximum": 1.0,
      "description": "the performance-parity check fails a container environment's workload only when the whole bootstrap 95% interval of its container/native ratio lies below this; default 0.97"
    },
    "items": {
      "type": "array",
      "minItems": 1,
      "items": {
        "$ref": "#/$defs/item"
      }
    },
    "flavors": {
      "type": "array",
      "uniqueItems": true,
      "items": {
        "enum": [
          "base",
          "runtime",
          "runtime-cudnn",
          "devel"
        ]
      },
      "description": "container flavors to run the suite in beside native when the command line names none (--flavors wins)"
    },
    "cuda_versions": {
      "type": "array",
      "uniqueItems": true,
      "items": {
        "type": "string",
        "pattern": "^[0-9]+\\.[0-9]+(\\.[0-9]+)?$"
      },
      "description": "run the flavors in each of these CUDA versions, each image with the worker of its CUDA major (--cuda wins); needs flavors"
    }
  },
  "$defs": {
    "warmup": {
      "type": "integer",
      "minimum": 0,
      "description": "untimed runs before the timed ones"
    },
    "repetitions": {
      "type": "integer",
      "minimum": 1,
      "description": "timed runs, each verified"
    },
    "timeout_s": {
      "type": "integer",
      "minimum": 1,
      "description": "seconds the worker may take for one measurement before it is killed and the result is timed_out; default: gpucert run --timeout"
    },
    "l2": {
      "enum": [
        "warm",
        "cold"
      ],
      "description": "warm (the default): each timed run finds the L2 as the previous run left it; cold: the L2 is flushed before each timed run (nvbench's cold measurement) and the id ends in /cold. An item may ask for cold only of a workload that has a cold measurement; a default of cold applies to those and leaves the others warm"
    },
    "item": {
      "type": "object",
      "required": [
        "workload"
      ],
      "properties": {
        "workload": {
          "enum": []
        }
      },
      "oneOf": []
    }
  }
})json";

}  // namespace

nlohmann::json suite_schema() {
  auto schema = nlohmann::json::parse(kSuiteSchemaBase);
  auto& defs = schema["$defs"];
  // suite.cpp checks these limits; they are stated once, in workload_spec.hpp.
  defs["warmup"]["maximum"] = kMaxWarmup;
  defs["repetitions"]["maximum"] = kMaxRepetitions;
  defs["timeout_s"]["maximum"] = kMaxTimeoutSeconds;
  auto& item = defs["item"];
  for (const auto* spec : workload_registry()) {
    const std::string name(spec->name());
    item["properties"]["workload"]["enum"].push_back(name);
    item["oneOf"].push_back({{"$ref", "#/$defs/" + name}});
    nlohmann::json properties{{"workload", {{"const", name}}},
                              {"warmup", {{"$ref", "#/$defs/warmup"}}},
                              {"repetitions", {{"$ref", "#/$defs/repetitions"}}},
                              {"timeout_s", {{"$ref", "#/$defs/timeout_s"}}}};
    properties["l2"] = spec->flushes_l2() ? nlohmann::json{{"$ref", "#/$defs/l2"}}
                                          : nlohmann::json{{"const", "warm"}, {"description", "no cold measurement"}};
    properties.update(spec->field_schema());
    defs[name] = {{"type", "object"},
                  {"description", std::string(spec->description())},
                  {"additionalProperties", false},
                  {"properties", std::move(properties)}};
    defs.update(spec->schema_definitions());
  }
  return schema;
}

}  // namespace gpucert
