#include "image_facts.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "json_fields.hpp"

namespace gpucert {
namespace {

// The image's ENV, "NAME=value" each; a line without '=' is kept with an empty value.
void read_env(const nlohmann::json& env, const std::string& path, std::map<std::string, std::string>& out,
              Problems& problems) {
  if (env.is_null()) return;
  if (!env.is_array()) {
    problems.add(path, "expected an array of \"NAME=value\" strings, got " + json_type_name(env));
    return;
  }
  for (std::size_t i = 0; i < env.size(); ++i) {
    if (!env[i].is_string()) {
      problems.add(path + "[" + std::to_string(i) + "]",
                   "expected a \"NAME=value\" string, got " + json_type_name(env[i]));
      continue;
    }
    const auto& line = env[i].get_ref<const std::string&>();
    const auto eq = line.find('=');
    out[line.substr(0, eq)] = eq == std::string::npos ? std::string{} : line.substr(eq + 1);
  }
}

void read_labels(const nlohmann::json& labels, const std::string& path, std::map<std::string, std::string>& out,
                 Problems& problems) {
  if (labels.is_null()) return;
  if (!labels.is_object()) {
    problems.add(path, "expected an object of label -> value, got " + json_type_name(labels));
    return;
  }
  for (const auto& [key, value] : labels.items())
    out[key] = value.is_string() ? value.get<std::string>() : value.dump();
}

std::optional<std::uint64_t> read_size(const nlohmann::json& object, std::initializer_list<const char*> keys,
                                       Problems& problems) {
  for (const char* key : keys) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) continue;
    if (it->is_number_unsigned()) return it->get<std::uint64_t>();
    if (it->is_number_integer() && it->get<std::int64_t>() >= 0)
      return static_cast<std::uint64_t>(it->get<std::int64_t>());
    problems.add(key, "expected a size in bytes (a whole number), got " + it->dump());
  }
  return std::nullopt;
}

std::string text_of(const nlohmann::json& object, const char* key, Problems& problems) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_string()) {
    problems.add(key, "expected a string, got " + json_type_name(*it));
    return {};
  }
  return it->get<std::string>();
}

Outcome<ImageFacts> finish(ImageFacts facts, const Problems& problems, const std::string& what) {
  if (!problems.empty()) return GPUCERT_ERROR(what + ": " + join(problems.lines(), "; "));
  return facts;
}

}  // namespace

std::string oci_architecture(std::string_view machine) {
  std::string m(machine);
  std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (m == "x86_64" || m == "x86-64" || m == "x64") return "amd64";
  if (m == "aarch64" || m == "arm64e") return "arm64";
  if (m == "i386" || m == "i686") return "386";
  return m;
}

std::string build_architecture() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__powerpc64__)
  return "ppc64le";
#else
  return "unknown";
#endif
}

std::optional<std::string> floating_tag_problem(std::string_view reference) {
  std::string_view name = reference;
  if (name.empty()) return std::string("has no name");
  if (name.front() == '/' || name.front() == '.') return std::nullopt;  // a root filesystem
  if (const auto scheme = name.find("://"); scheme != std::string_view::npos) name.remove_prefix(scheme + 3);
  if (const auto at = name.rfind('@'); at != std::string_view::npos) {
    const auto digest = name.substr(at + 1);
    if (digest.find(':') != std::string_view::npos && digest.find('/') == std::string_view::npos &&
        digest.find('#') == std::string_view::npos)
      return std::nullopt;  // pinned by digest
  }
  const auto last_component = name.find_last_of("/#");
  const auto colon = name.rfind(':');
  if (colon == std::string_view::npos || (last_component != std::string_view::npos && colon < last_component))
    return std::string("has no tag or digest, so it means 'latest'");
  std::string tag(name.substr(colon + 1));
  std::transform(tag.begin(), tag.end(), tag.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (tag == "latest") return std::string("uses the tag 'latest'");
  if (tag.empty()) return std::string("has an empty tag");
  return std::nullopt;
}

Outcome<ImageFacts> image_facts_from_inspect(std::string_view text, const std::string& reference) {
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return GPUCERT_ERROR("image inspect output is not JSON: " + std::string(text.substr(0, 200)));
  if (doc.is_array()) {
    if (doc.empty()) return GPUCERT_ERROR("image inspect printed no image for '" + reference + "'");
    doc = doc[0];
  }
  if (!doc.is_object()) return GPUCERT_ERROR("image inspect output: expected an object, got " + json_type_name(doc));
  Problems problems;
  ImageFacts facts;
  facts.source = "podman image inspect";
  facts.reference = reference;
  if (const auto tags = doc.find("RepoTags"); facts.reference.empty() && tags != doc.end() && tags->is_array())
    for (const auto& tag : *tags)
      if (tag.is_string() && facts.reference.empty()) facts.reference = tag.get<std::string>();
  facts.id = text_of(doc, "Id", problems);
  if (const auto digest = text_of(doc, "Digest", problems); !digest.empty()) facts.id = digest;
  facts.architecture = text_of(doc, "Architecture", problems);
  facts.os = text_of(doc, "Os", problems);
  facts.size_bytes = read_size(doc, {"Size", "VirtualSize"}, problems);
  read_labels(doc.value("Labels", nlohmann::json()), "Labels", facts.labels, problems);
  if (const auto config = doc.find("Config"); config != doc.end() && !config->is_null()) {
    if (!config->is_object()) {
      problems.add("Config", "expected an object, got " + json_type_name(*config));
    } else {
      read_env(config->value("Env", nlohmann::json()), "Config.Env", facts.env, problems);
      read_labels(config->value("Labels", nlohmann::json()), "Config.Labels", facts.labels, problems);
    }
  }
  return finish(std::move(facts), problems, "image inspect output for '" + reference + "'");
}

Outcome<ImageFacts> image_facts_from_oci_config(std::string_view text, const std::string& reference,
                                                const std::string& source) {
  const auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return GPUCERT_ERROR(source + ": not valid JSON");
  if (!doc.is_object()) return GPUCERT_ERROR(source + ": expected an object, got " + json_type_name(doc));
  Problems problems;
  ImageFacts facts;
  facts.source = source;
  facts.reference = reference;
  if (facts.reference.empty()) facts.reference = text_of(doc, "reference", problems);
  facts.id = text_of(doc, "digest", problems);
  facts.architecture = text_of(doc, "architecture", problems);
  facts.os = text_of(doc, "os", problems);
  facts.size_bytes = read_size(doc, {"size_bytes", "size"}, problems);
  if (const auto config = doc.find("config"); config != doc.end() && !config->is_null()) {
    if (!config->is_object()) {
      problems.add("config", "expected an object, got " + json_type_name(*config));
    } else {
      read_env(config->value("Env", nlohmann::json()), "config.Env", facts.env, problems);
      read_labels(config->value("Labels", nlohmann::json()), "config.Labels", facts.labels, problems);
    }
  }
  return finish(std::move(facts), problems, source);
}

nlohmann::json to_json(const ImageFacts& f) {
  nlohmann::json j = {
      {"reference", f.reference},       {"id", f.id}, {"labels", f.labels}, {"env", f.env}, {"size_bytes", nullptr},
      {"architecture", f.architecture}, {"os", f.os}, {"source", f.source}};
  if (f.size_bytes) j["size_bytes"] = *f.size_bytes;
  return j;
}

Outcome<ImageFacts> image_facts_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return GPUCERT_ERROR("image facts: expected an object, got " + json_type_name(j));
  try {
    ImageFacts f;
    f.reference = j.value("reference", "");
    f.id = j.value("id", "");
    f.labels = j.value("labels", std::map<std::string, std::string>{});
    f.env = j.value("env", std::map<std::string, std::string>{});
    if (const auto size = j.find("size_bytes"); size != j.end() && !size->is_null())
      f.size_bytes = size->get<std::uint64_t>();
    f.architecture = j.value("architecture", "");
    f.os = j.value("os", "");
    f.source = j.value("source", "");
    return f;
  } catch (const std::exception& e) {
    return GPUCERT_ERROR(std::string("image facts: malformed: ") + e.what());
  }
}

}  // namespace gpucert
