#include "flavors.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "json_fields.hpp"

namespace gpucert {
namespace {

bool is_identifier(std::string_view name, bool dash) {
  if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [dash](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (dash && c == '-');
  });
}

// "libcublas.so.13", "libnvrtc-builtins.so.13.*": a file name the loader (or a glob) can look up.
bool is_soname(std::string_view soname) {
  return soname.rfind("lib", 0) == 0 && soname.find(".so") != std::string_view::npos &&
         soname.find('/') == std::string_view::npos;
}

bool is_environment_name(const std::string& name) {
  return !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
         std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// A list of names that may be empty; each must pass `valid` (which returns the problem, or nothing), none twice.
template <typename Valid>
std::vector<std::string> read_list(Fields& fields, std::string_view key, std::string_view what, Valid&& valid) {
  std::vector<std::string> out;
  if (!fields.has(key)) return out;
  const auto& v = fields.object()[std::string(key)];
  if (!v.is_array()) {
    fields.problems().add(fields.path_of(key),
                          "expected an array of " + std::string(what) + " names, got " + json_type_name(v));
    return out;
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string at = fields.path_of(key) + "[" + std::to_string(i) + "]";
    if (!v[i].is_string()) {
      fields.problems().add(at, "expected a string, got " + json_type_name(v[i]));
      continue;
    }
    const auto name = v[i].get<std::string>();
    if (auto problem = valid(name); !problem.empty()) {
      fields.problems().add(at, problem);
      continue;
    }
    if (!seen.insert(name).second) {
      fields.problems().add(at, std::string(what) + " '" + name + "' is listed twice");
      continue;
    }
    out.push_back(name);
  }
  return out;
}

// An object of name -> pattern (environment, labels); `valid_name` says what is wrong with a name.
template <typename ValidName>
std::map<std::string, std::string> read_patterns(Fields& fields, std::string_view key, ValidName&& valid_name) {
  std::map<std::string, std::string> out;
  if (!fields.has(key)) return out;
  const auto& v = fields.object()[std::string(key)];
  if (!v.is_object()) {
    fields.problems().add(fields.path_of(key), "expected an object of name -> pattern, got " + json_type_name(v));
    return out;
  }
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string name = it.key();
    const nlohmann::json& pattern = it.value();
    const auto at = fields.path_of(key) + "." + name;
    if (auto problem = valid_name(name); !problem.empty()) {
      fields.problems().add(at, problem);
      continue;
    }
    if (!pattern.is_string()) {
      fields.problems().add(at, "expected a pattern (a string; * matches any text, {major} is the CUDA major), got " +
                                    json_type_name(pattern));
      continue;
    }
    out[name] = pattern.get<std::string>();
  }
  return out;
}

constexpr std::string_view kSoVersion = "{so_version:";

// The keys of the `{so_version:KEY}` placeholders in a pattern; nullopt when one is not closed.
std::optional<std::vector<std::string>> so_version_keys(std::string_view pattern) {
  std::vector<std::string> keys;
  for (auto at = pattern.find(kSoVersion); at != std::string_view::npos; at = pattern.find(kSoVersion, at)) {
    const auto end = pattern.find('}', at);
    if (end == std::string_view::npos) return std::nullopt;
    keys.emplace_back(pattern.substr(at + kSoVersion.size(), end - at - kSoVersion.size()));
    at = end;
  }
  return keys;
}

template <typename T>
void add_unique(std::vector<T>& to, const std::vector<T>& from) {
  for (const auto& x : from)
    if (std::find(to.begin(), to.end(), x) == to.end()) to.push_back(x);
}

void read_flavor(const std::string& name, const nlohmann::json& json, const std::set<std::string>& libraries,
                 Problems& problems, FlavorCatalog& catalog) {
  Fields f(json, "flavors." + name, problems);
  if (!f.is_object()) return;
  f.refuse_unknown({"$comment", "description", "inherits", "nvidia_tag", "must_load", "must_be_absent", "also_copies",
                    "tools", "size_budget_bytes", "environment", "labels"});
  Flavor flavor;
  flavor.name = name;
  flavor.description = f.text("description", false).value_or(f.text("$comment", false).value_or(""));
  if (f.has("inherits") && !json["inherits"].is_null()) flavor.inherits = f.text("inherits", false);
  flavor.nvidia_tag = f.text("nvidia_tag", false).value_or("");
  auto library = [&](const std::string& lib) -> std::string {
    if (libraries.count(lib)) return {};
    std::vector<std::string> known(libraries.begin(), libraries.end());
    return "unknown library '" + lib +
           "' (expected one declared under cuda_majors.<major>.libraries: " + join(known, ", ") + ")";
  };
  flavor.must_load = read_list(f, "must_load", "library", library);
  flavor.must_be_absent = read_list(f, "must_be_absent", "library", library);
  flavor.also_copies = read_list(f, "also_copies", "library", library);
  for (const auto& lib : flavor.must_be_absent)
    if (std::find(flavor.must_load.begin(), flavor.must_load.end(), lib) != flavor.must_load.end())
      problems.add(f.path_of("must_be_absent"), "'" + lib + "' is also in must_load: a library cannot be both");
  if (f.has("tools")) {
    const auto& tools = json["tools"];
    if (!tools.is_array()) {
      problems.add(f.path_of("tools"),
                   "expected an array of {\"name\": ..., \"path\": ...}, got " + json_type_name(tools));
    } else {
      std::set<std::string> seen;
      for (std::size_t i = 0; i < tools.size(); ++i) {
        Fields t(tools[i], f.path_of("tools") + "[" + std::to_string(i) + "]", problems);
        if (!t.is_object()) continue;
        t.refuse_unknown({"$comment", "name", "path"});
        auto tool_name = t.text("name", true);
        auto path = t.text("path", true);
        if (path && path->front() != '/') {
          problems.add(t.path_of("path"), "expected an absolute path, got '" + *path + "'");
          path.reset();
        }
        if (tool_name && !seen.insert(*tool_name).second) {
          problems.add(t.path_of("name"), "tool '" + *tool_name + "' is listed twice");
          continue;
        }
        if (tool_name && path) flavor.tools.push_back({*tool_name, *path});
      }
    }
  }
  if (auto budget = f.integer("size_budget_bytes", false, 1, std::int64_t{1} << 50, "bytes"))
    flavor.size_budget_bytes = static_cast<std::uint64_t>(*budget);
  flavor.environment = read_patterns(f, "environment", [](const std::string& n) {
    return is_environment_name(n) ? std::string{} : "'" + n + "' is not an environment variable name";
  });
  flavor.labels = read_patterns(f, "labels", [](const std::string& n) {
    return n.empty() ? std::string("a label needs a name") : std::string{};
  });
  catalog.flavors.push_back(std::move(flavor));
}

bool tools_equal(const ToolSpec& a, const ToolSpec& b) { return a.name == b.name; }

}  // namespace

bool matches_pattern(std::string_view pattern, std::string_view value, int cuda_major) {
  std::string p(pattern);
  for (std::size_t at; (at = p.find("{major}")) != std::string::npos;) p.replace(at, 7, std::to_string(cuda_major));
  // Glob with `*` only: iterative match with backtracking to the last star.
  std::size_t i = 0, j = 0, star = std::string::npos, mark = 0;
  while (j < value.size()) {
    if (i < p.size() && p[i] == '*') {
      star = i++;
      mark = j;
    } else if (i < p.size() && p[i] == value[j]) {
      ++i;
      ++j;
    } else if (star != std::string::npos) {
      i = star + 1;
      j = ++mark;
    } else {
      return false;
    }
  }
  while (i < p.size() && p[i] == '*') ++i;
  return i == p.size();
}

const Flavor* FlavorCatalog::find(std::string_view name) const {
  for (const auto& f : flavors)
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<std::string> FlavorCatalog::flavor_names() const {
  std::vector<std::string> names;
  for (const auto& f : flavors) names.push_back(f.name);
  return names;
}

const std::map<std::string, std::string>* FlavorCatalog::libraries_for(int cuda_major) const {
  const auto it = cuda_majors.find(cuda_major);
  return it == cuda_majors.end() ? nullptr : &it->second.libraries;
}

std::string FlavorCatalog::expand_pattern(std::string_view pattern, int cuda_major) const {
  const auto* libraries = libraries_for(cuda_major);
  std::string out(pattern);
  if (!libraries) return out;
  for (auto at = out.find(kSoVersion); at != std::string::npos; at = out.find(kSoVersion, at)) {
    const auto end = out.find('}', at);
    if (end == std::string::npos) break;
    const auto it = libraries->find(out.substr(at + kSoVersion.size(), end - at - kSoVersion.size()));
    if (it == libraries->end()) {
      at = end;
      continue;
    }
    const auto so = it->second.find(".so.");
    const std::string version = so == std::string::npos ? std::string{} : it->second.substr(so + 4);
    out.replace(at, end + 1 - at, version);
    at += version.size();
  }
  return out;
}

std::optional<FlavorRules> FlavorCatalog::rules(std::string_view name, std::optional<int> cuda_major) const {
  // Walk up to the root, then fold from it down, so a child's own entries come after (and over) its parent's.
  std::vector<const Flavor*> chain;
  for (const Flavor* f = find(name); f; f = f->inherits ? find(*f->inherits) : nullptr) {
    if (std::find(chain.begin(), chain.end(), f) != chain.end()) return std::nullopt;  // a cycle
    chain.push_back(f);
  }
  if (chain.empty()) return std::nullopt;
  FlavorRules rules;
  rules.flavor = std::string(name);
  for (const auto* f : chain) rules.lineage.push_back(f->name);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const Flavor& f = **it;
    add_unique(rules.must_load, f.must_load);
    add_unique(rules.must_be_absent, f.must_be_absent);
    for (const auto& t : f.tools) {
      auto same =
          std::find_if(rules.tools.begin(), rules.tools.end(), [&](const ToolSpec& x) { return tools_equal(x, t); });
      if (same == rules.tools.end())
        rules.tools.push_back(t);
      else
        *same = t;
    }
    for (const auto& [k, v] : f.environment) rules.environment[k] = v;
    for (const auto& [k, v] : f.labels) rules.labels[k] = v;
    if (f.size_budget_bytes) {
      rules.size_budget_bytes = f.size_budget_bytes;
      rules.size_budget_from = f.name;
    }
  }
  std::erase_if(rules.must_be_absent, [&](const std::string& lib) {
    return std::find(rules.must_load.begin(), rules.must_load.end(), lib) != rules.must_load.end();
  });
  if (const auto major = cuda_major ? cuda_majors.find(*cuda_major) : cuda_majors.end(); major != cuda_majors.end()) {
    const auto& lacks = major->second.lacks;
    for (auto* list : {&rules.must_load, &rules.must_be_absent})
      std::erase_if(*list, [&](const std::string& lib) {
        if (std::find(lacks.begin(), lacks.end(), lib) == lacks.end()) return false;
        add_unique(rules.not_in_major, std::vector<std::string>{lib});
        return true;
      });
  }
  return rules;
}

std::vector<std::string> FlavorCatalog::flavors_allowing(std::string_view library) const {
  std::vector<std::string> out;
  for (const auto& f : flavors)
    if (auto r = rules(f.name); r && std::find(r->must_load.begin(), r->must_load.end(), library) != r->must_load.end())
      out.push_back(f.name);
  return out;
}

std::vector<ToolSpec> FlavorCatalog::all_tools() const {
  std::vector<ToolSpec> out;
  for (const auto& f : flavors)
    for (const auto& t : f.tools)
      if (std::none_of(out.begin(), out.end(), [&](const ToolSpec& x) { return tools_equal(x, t); })) out.push_back(t);
  return out;
}

Outcome<FlavorCatalog> parse_flavor_catalog(std::string_view text, const std::string& source) {
  const auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return GPUCERT_ERROR(source + ": not valid JSON");

  Problems problems;
  Fields top(doc, "", problems);
  FlavorCatalog catalog;
  catalog.source = source;
  if (top.is_object()) {
    top.refuse_unknown({"$schema", "$comment", "schema_version", "cuda_majors", "never_shipped", "flavors"});
    if (auto version = top.integer("schema_version", true, 1, 1000); version && *version != kFlavorsSchemaVersion)
      problems.add("schema_version", "this gpucert reads flavour catalogue schema version " +
                                         std::to_string(kFlavorsSchemaVersion) + ", the file has " +
                                         std::to_string(*version));

    // Libraries: a key is usable in a flavour when some CUDA major declares it and every other one declares or
    // lacks it, so that a misspelt key, or one forgotten in a major, is an error rather than a library unchecked.
    std::set<std::string> declared;
    if (!top.has("cuda_majors")) {
      problems.add("cuda_majors", "missing (this field is required)");
    } else if (const auto& majors = doc["cuda_majors"]; !majors.is_object() || majors.empty()) {
      problems.add("cuda_majors",
                   "expected an object of CUDA majors (\"13\": {\"libraries\": {...}}), got " + json_type_name(majors));
    } else {
      for (const auto& [key, value] : majors.items()) {
        const std::string path = "cuda_majors." + key;
        const bool numeric = !key.empty() && key.size() <= 3 &&
                             std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; });
        const int major = numeric ? std::stoi(key) : 0;
        if (!numeric || major < 9 || major > 99) {
          problems.add(path, "'" + key + "' is not a CUDA major version (expected a number such as \"13\")");
          continue;
        }
        Fields m(value, path, problems);
        if (!m.is_object()) continue;
        m.refuse_unknown(
            {"$comment", "libraries", "lacks", "require_cuda_driver_branches", "require_cuda_tesla_driver_branches"});
        CudaMajor cuda;
        const nlohmann::json& table = value;  // clang before 16 cannot capture a structured binding
        auto read_branches = [&](std::string_view field, std::vector<int>& to) {
          if (!m.has(field)) return;
          const auto& branches = table[std::string(field)];
          bool good = branches.is_array();
          for (const auto& b : branches) good = good && b.is_number_integer() && b.get<int>() > 0;
          if (!good)
            problems.add(m.path_of(field),
                         "expected an array of driver branches (whole numbers such as 570), got " + branches.dump());
          else
            to = branches.get<std::vector<int>>();
        };
        read_branches("require_cuda_driver_branches", cuda.require_cuda_driver_branches);
        read_branches("require_cuda_tesla_driver_branches", cuda.require_cuda_tesla_driver_branches);
        cuda.lacks = read_list(m, "lacks", "library", [](const std::string& lib) {
          return is_identifier(lib, false) ? std::string{}
                                           : "'" + lib + "' is not a library name (expected letters, digits and _)";
        });
        if (!m.has("libraries")) {
          problems.add(m.path_of("libraries"), "missing (this field is required)");
          continue;
        }
        const auto& libraries = value["libraries"];
        if (!libraries.is_object() || libraries.empty()) {
          problems.add(m.path_of("libraries"),
                       "expected an object of library name -> soname "
                       "(\"cublas\": \"libcublas.so.13\"), got " +
                           json_type_name(libraries));
          continue;
        }
        for (const auto& [name, soname] : libraries.items()) {
          const std::string at = m.path_of("libraries") + "." + name;
          if (!is_identifier(name, false)) {
            problems.add(at, "'" + name + "' is not a library name (expected letters, digits and _)");
            continue;
          }
          if (!soname.is_string() || !is_soname(soname.get_ref<const std::string&>())) {
            problems.add(at, "expected a soname such as \"libcublas.so.13\", got " +
                                 (soname.is_string() ? "'" + soname.get<std::string>() + "'" : json_type_name(soname)));
            continue;
          }
          cuda.libraries[name] = soname.get<std::string>();
        }
        for (const auto& [name, soname] : cuda.libraries) declared.insert(name);
        catalog.cuda_majors[major] = std::move(cuda);
      }
      for (const auto& [major, cuda] : catalog.cuda_majors) {
        const std::string path = "cuda_majors." + std::to_string(major);
        for (std::size_t i = 0; i < cuda.lacks.size(); ++i) {
          const auto& lib = cuda.lacks[i];
          const std::string at = path + ".lacks[" + std::to_string(i) + "]";
          if (cuda.libraries.count(lib))
            problems.add(at, "'" + lib + "' is also under libraries: a major has a library or lacks it");
          else if (!declared.count(lib))
            problems.add(at, "unknown library '" + lib + "' (no CUDA major declares it)");
        }
        for (const auto& lib : declared) {
          if (cuda.libraries.count(lib) || std::find(cuda.lacks.begin(), cuda.lacks.end(), lib) != cuda.lacks.end())
            continue;
          std::vector<std::string> others;
          for (const auto& [m, c] : catalog.cuda_majors)
            if (c.libraries.count(lib)) others.push_back(std::to_string(m));
          problems.add(path + ".libraries", "has no '" + lib + "', which CUDA " + join(others, ", ") + " declare" +
                                                (others.size() == 1 ? "s" : "") +
                                                ": give its soname, or list it under lacks when CUDA " +
                                                std::to_string(major) + " has no such library");
        }
      }
    }
    catalog.never_shipped = read_list(top, "never_shipped", "library", [&](const std::string& lib) -> std::string {
      return declared.count(lib) ? std::string{} : "unknown library '" + lib + "'";
    });

    if (!top.has("flavors")) {
      problems.add("flavors", "missing (this field is required)");
    } else if (const auto& flavors = doc["flavors"]; !flavors.is_object() || flavors.empty()) {
      problems.add("flavors", "expected an object of flavours (\"base\": {...}), got " + json_type_name(flavors));
    } else {
      for (const auto& [name, value] : flavors.items()) {
        if (!is_identifier(name, true) || name == "native") {
          problems.add("flavors." + name, "'" + name +
                                              "' is not a flavour name (expected letters, digits, - and _; "
                                              "not \"native\")");
          continue;
        }
        read_flavor(name, value, declared, problems, catalog);
      }
      // {so_version:KEY} needs KEY's soname in every major, or a pattern would hold it unexpanded.
      for (const auto& f : catalog.flavors)
        for (const auto* patterns : {&f.environment, &f.labels})
          for (const auto& [name, pattern] : *patterns) {
            const std::string at =
                "flavors." + f.name + (patterns == &f.environment ? ".environment." : ".labels.") + name;
            const auto keys = so_version_keys(pattern);
            if (!keys) {
              problems.add(at, "'" + pattern + "': {so_version: is not closed by }");
              continue;
            }
            for (const auto& key : *keys)
              for (const auto& [major, cuda] : catalog.cuda_majors)
                if (!cuda.libraries.count(key)) {
                  problems.add(at, "{so_version:" + key + "}: CUDA " + std::to_string(major) + " has no soname for '" +
                                       key + "'");
                  break;
                }
          }
      for (const auto& f : catalog.flavors) {
        if (!f.inherits) continue;
        if (!catalog.find(*f.inherits)) {
          problems.add("flavors." + f.name + ".inherits", "unknown flavour '" + *f.inherits + "' (expected one of " +
                                                              join(catalog.flavor_names(), ", ") + ", or null)");
        } else if (!catalog.rules(f.name)) {
          problems.add("flavors." + f.name + ".inherits", "'" + *f.inherits + "' leads back to '" + f.name +
                                                              "': inheritance must not go round in a circle");
        }
      }
    }
  }

  if (!problems.empty()) {
    std::vector<std::string> lines;
    for (const auto& line : problems.lines()) lines.push_back(source + ": " + line);
    return GPUCERT_ERROR(join(lines, "\n"));
  }
  return catalog;
}

Outcome<FlavorCatalog> load_flavor_catalog(const std::string& path) {
  std::ifstream in(path);
  if (!in) return GPUCERT_ERROR("cannot read the flavour catalogue " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_flavor_catalog(text.str(), path);
}

namespace embedded {
extern const std::string_view flavors_text;  // generated from images/flavors.json at build time
}

std::string_view embedded_flavors_text() { return embedded::flavors_text; }

const Outcome<FlavorCatalog>& embedded_flavor_catalog() {
  static const Outcome<FlavorCatalog> catalog = [] {
    if (embedded_flavors_text().empty())
      return Outcome<FlavorCatalog>(
          GPUCERT_ERROR("this gpucert was built without images/flavors.json: pass the catalogue's path instead"));
    return parse_flavor_catalog(embedded_flavors_text(), "embedded:flavors");
  }();
  return catalog;
}

}  // namespace gpucert
