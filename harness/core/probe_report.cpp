#include "probe_report.hpp"

#include "json_fields.hpp"

namespace gpucert {

double DeviceInfo::peak_bandwidth_gbps() const { return 2.0 * memory_clock_khz * 1e3 * (memory_bus_bits / 8.0) / 1e9; }

std::string format_cuda_version(int version) {
  if (version <= 0) return "unknown";
  return std::to_string(version / 1000) + "." + std::to_string((version % 1000) / 10);
}

int parse_cuda_version(const std::string& text) {
  const auto dot = text.find('.');
  const auto major_text = text.substr(0, dot);
  const auto minor_text =
      dot == std::string::npos ? std::string("0") : text.substr(dot + 1, text.find('.', dot + 1) - dot - 1);
  auto number = [](const std::string& t) {
    if (t.empty() || t.size() > 3 || t.find_first_not_of("0123456789") != std::string::npos) return -1;
    return std::stoi(t);
  };
  const int major = number(major_text), minor = number(minor_text);
  if (major <= 0 || minor < 0 || minor > 99) return 0;
  return major * 1000 + minor * 10;
}

nlohmann::json to_json(const PythonTorchProbe& t) {
  return {{"python", t.python},
          {"torch_version", t.torch_version},
          {"torch_cuda", t.torch_cuda},
          {"is_available", t.is_available},
          {"device_count", t.device_count},
          {"error", t.error},
          {"warnings", t.warnings}};
}

std::string ProbeReport::unusable_reason() const {
  if (cuda_error) return cuda_error->name + " (" + std::to_string(cuda_error->code) + "): " + cuda_error->message;
  return devices.empty() ? "CUDA reports no device" : "";
}

nlohmann::json to_json(const ProbeReport& r) {
  nlohmann::json devices = nlohmann::json::array();
  for (const auto& d : r.devices)
    devices.push_back({{"index", d.index},
                       {"name", d.name},
                       {"uuid", d.uuid},
                       {"pci_bus_id", d.pci_bus_id},
                       {"compute_capability", std::to_string(d.cc_major) + "." + std::to_string(d.cc_minor)},
                       {"memory_bytes", d.memory_bytes},
                       {"multiprocessors", d.multiprocessors},
                       {"l2_bytes", d.l2_bytes},
                       {"memory_clock_khz", d.memory_clock_khz},
                       {"sm_clock_khz", d.sm_clock_khz},
                       {"memory_bus_bits", d.memory_bus_bits},
                       {"peak_bandwidth_gbps", d.peak_bandwidth_gbps()}});
  nlohmann::json workloads = nlohmann::json::array();
  for (const auto& w : r.workloads)
    workloads.push_back(
        {{"name", w.name}, {"available", w.available}, {"backend", w.backend}, {"evidence", w.evidence}});
  nlohmann::json j = {
      {"hostname", r.hostname},
      {"worker_version", r.worker_version},
      {"cuda_build_version", r.cuda_build_version},
      {"driver_version", r.driver_version},
      {"driver_release", r.driver_release},
      {"runtime_version", r.runtime_version},
      {"cuda_error", nullptr},
      {"devices", devices},
      {"libcuda",
       {{"name", r.libcuda.name}, {"loaded", r.libcuda.loaded}, {"path", r.libcuda.path}, {"error", r.libcuda.error}}},
      {"device_nodes", r.device_nodes},
      {"environment", r.environment},
      {"workloads", workloads},
  };
  if (r.python_torch) j["python_torch"] = to_json(*r.python_torch);
  if (r.health) j["health"] = to_json(*r.health);
  if (r.cuda_error)
    j["cuda_error"] = {{"code", r.cuda_error->code},
                       {"name", r.cuda_error->name},
                       {"message", r.cuda_error->message},
                       {"call", r.cuda_error->call}};
  // The inventory only where a worker took it: records of older workers read and write as before.
  if (!r.libraries.empty()) {
    nlohmann::json libraries = nlohmann::json::array();
    for (const auto& l : r.libraries)
      libraries.push_back({{"library", l.library},
                           {"name", l.name},
                           {"loaded", l.loaded},
                           {"path", l.path},
                           {"version", l.version},
                           {"error", l.error}});
    j["libraries"] = std::move(libraries);
  }
  if (!r.tools.empty()) {
    nlohmann::json tools = nlohmann::json::array();
    for (const auto& t : r.tools) tools.push_back({{"name", t.name}, {"found", t.found}, {"path", t.path}});
    j["tools"] = std::move(tools);
  }
  if (!r.machine.empty()) j["machine"] = r.machine;
  return j;
}

Outcome<ProbeReport> probe_report_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return GPUCERT_ERROR("probe reply is not an object");
  try {
    ProbeReport r;
    r.hostname = j.value("hostname", "");
    r.worker_version = j.value("worker_version", "");
    r.cuda_build_version = whole_value(j, "cuda_build_version", 0);
    r.driver_version = whole_value(j, "driver_version", 0);
    r.driver_release = j.value("driver_release", "");
    r.runtime_version = whole_value(j, "runtime_version", 0);
    if (auto e = j.find("cuda_error"); e != j.end() && e->is_object())
      r.cuda_error = CudaErrorInfo{whole_value(*e, "code", 0), e->value("name", ""), e->value("message", ""),
                                   e->value("call", "")};
    for (const auto& d : j.value("devices", nlohmann::json::array())) {
      DeviceInfo info;
      info.index = whole_value(d, "index", 0);
      info.name = d.value("name", "");
      info.uuid = d.value("uuid", "");
      info.pci_bus_id = d.value("pci_bus_id", "");
      const auto cc = d.value("compute_capability", std::string("0.0"));
      const auto dot = cc.find('.');
      info.cc_major = std::stoi(cc.substr(0, dot));
      info.cc_minor = dot == std::string::npos ? 0 : std::stoi(cc.substr(dot + 1));
      info.memory_bytes = whole_value(d, "memory_bytes", std::uint64_t{0});
      info.multiprocessors = whole_value(d, "multiprocessors", 0);
      info.l2_bytes = whole_value(d, "l2_bytes", std::uint64_t{0});
      info.memory_clock_khz = whole_value(d, "memory_clock_khz", 0);
      info.sm_clock_khz = whole_value(d, "sm_clock_khz", 0);
      info.memory_bus_bits = whole_value(d, "memory_bus_bits", 0);
      r.devices.push_back(std::move(info));
    }
    const auto lib = j.value("libcuda", nlohmann::json::object());
    r.libcuda = {lib.value("name", "libcuda.so.1"), lib.value("loaded", false), lib.value("path", ""),
                 lib.value("error", "")};
    r.device_nodes = j.value("device_nodes", std::vector<std::string>{});
    for (const auto& l : j.value("libraries", nlohmann::json::array()))
      r.libraries.push_back({l.value("name", ""), l.value("loaded", false), l.value("path", ""), l.value("error", ""),
                             l.value("library", ""), l.value("version", "")});
    for (const auto& t : j.value("tools", nlohmann::json::array()))
      r.tools.push_back({t.value("name", ""), t.value("found", false), t.value("path", "")});
    r.machine = j.value("machine", "");
    r.environment = j.value("environment", std::map<std::string, std::string>{});
    for (const auto& w : j.value("workloads", nlohmann::json::array()))
      r.workloads.push_back(
          {w.value("name", ""), w.value("available", false), w.value("backend", ""), w.value("evidence", "")});
    if (auto t = j.find("python_torch"); t != j.end() && t->is_object())
      r.python_torch = PythonTorchProbe{t->value("python", ""),
                                        t->value("torch_version", ""),
                                        t->value("torch_cuda", ""),
                                        t->value("is_available", false),
                                        whole_value(*t, "device_count", 0),
                                        t->value("error", ""),
                                        t->value("warnings", std::vector<std::string>{})};
    if (auto h = j.find("health"); h != j.end() && h->is_object()) {
      auto health = gpu_health_report_from_json(*h);
      if (!health) return health.error();
      r.health = std::move(*health);
    }
    return r;
  } catch (const std::exception& e) {
    return GPUCERT_ERROR(std::string("probe reply is malformed: ") + e.what());
  }
}

}  // namespace gpucert
