#include "environment_plan.hpp"

#include <algorithm>
#include <set>

#include "image_reference.hpp"

namespace gpucert::runtime {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

bool plain_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
}

Status check_image(RuntimeKind runtime, const std::string& image, const std::string& option) {
  if (runtime == RuntimeKind::Oci) {
    if (image.empty() || image.front() != '/')
      return GPUCERT_ERROR(option + ": '" + image +
                           "' is not an absolute path; the oci runtime runs a root "
                           "filesystem folder (images/build-local --output bundle writes them)");
    return ok_status();
  }
  // apptainer and enroot also take files (.sif, .sqsh); registry names follow the image policy.
  if ((runtime == RuntimeKind::Apptainer || runtime == RuntimeKind::Enroot) && !image.empty() && image.front() == '/')
    return ok_status();
  if (auto s = check_image_reference(image); !s) return GPUCERT_ERROR(option + ": " + s.error().message);
  return ok_status();
}

}  // namespace

std::string flavor_image(const EnvironmentRequest& request, const std::string& flavor,
                         const std::string& cuda_version) {
  if (request.runtime == RuntimeKind::Oci)
    return request.image_prefix + "/" + (cuda_version.empty() ? "" : cuda_version + "/") + flavor + "/rootfs";
  return request.image_prefix + ":" + (cuda_version.empty() ? request.cuda_version : cuda_version) + "-" + flavor +
         "-" + request.os;
}

// "12.9", "11.8.0": a major and a minor at least, digits only between the dots.
bool cuda_version_text(const std::string& v) {
  std::size_t dots = 0;
  bool digit = false;
  for (char c : v) {
    if (c == '.') {
      if (!digit) return false;
      ++dots;
      digit = false;
    } else if (c >= '0' && c <= '9') {
      digit = true;
    } else {
      return false;
    }
  }
  return digit && dots >= 1 && dots <= 2;
}

Outcome<std::vector<EnvironmentChoice>> plan_environments(const EnvironmentRequest& request,
                                                          const std::vector<std::string>& known_flavors) {
  if (request.runtime == RuntimeKind::Native && (!request.flavors.empty() || !request.images.empty()))
    return GPUCERT_ERROR(
        "--runtime native runs no image: name a container runtime (oci, podman, docker, apptainer, "
        "enroot) for --flavors and --image");
  std::vector<EnvironmentChoice> out;
  std::set<std::string> names;
  auto add = [&](EnvironmentChoice choice, const std::string& option) -> Status {
    if (choice.name == "native")
      return GPUCERT_ERROR(option + ": 'native' is the run without a container; give the image another name");
    if (!plain_name(choice.name))
      return GPUCERT_ERROR(option + ": the name '" + choice.name + "' may hold only letters, digits, '-', '_' and '.'");
    if (!names.insert(choice.name).second)
      return GPUCERT_ERROR(option + ": the environment '" + choice.name + "' is asked for twice");
    if (auto s = check_image(choice.runtime, choice.image, option); !s) return s;
    out.push_back(std::move(choice));
    return ok_status();
  };

  if (!request.flavors.empty() && request.image_prefix.empty())
    return GPUCERT_ERROR(std::string("--flavors needs --image-prefix: ") +
                         (request.runtime == RuntimeKind::Oci
                              ? "the folder that holds one bundle per flavor (images/build-local --output bundle DIR)"
                              : "the repository of the flavor images, e.g. localhost/cuda or nvcr.io/nvidia/cuda"));
  if (!request.cuda_versions.empty()) {
    if (!request.cuda_version.empty())
      return GPUCERT_ERROR("--cuda-version " + request.cuda_version + " and --cuda: give one (--cuda takes a list)");
    if (request.flavors.empty())
      return GPUCERT_ERROR("--cuda needs --flavors: it runs those flavors in each CUDA version");
    std::set<std::string> seen;
    for (const auto& v : request.cuda_versions) {
      if (!cuda_version_text(v))
        return GPUCERT_ERROR("--cuda: '" + v + "' is not a CUDA version (major.minor, e.g. 12.9 or 11.8.0)");
      if (!seen.insert(v).second) return GPUCERT_ERROR("--cuda: " + v + " is asked for twice");
    }
  }
  if (!request.flavors.empty() && request.runtime != RuntimeKind::Oci &&
      ((request.cuda_version.empty() && request.cuda_versions.empty()) || request.os.empty()))
    return GPUCERT_ERROR(
        "--flavors with a registry needs --cuda-version and --os for the tag "
        "(<prefix>:<cuda-version>-<flavor>-<os>; --cuda gives several versions)");
  for (const auto& flavor : request.flavors)
    if (std::find(known_flavors.begin(), known_flavors.end(), flavor) == known_flavors.end())
      return GPUCERT_ERROR("--flavors: '" + flavor + "' is not a flavor; the flavors are " + joined(known_flavors));
  if (request.cuda_versions.empty()) {
    for (const auto& flavor : request.flavors)
      if (auto s = add({flavor, flavor, request.runtime, flavor_image(request, flavor), {}}, "--flavors " + flavor); !s)
        return s.error();
  } else {
    for (const auto& v : request.cuda_versions)
      for (const auto& flavor : request.flavors)
        if (auto s = add({"cuda" + v + "-" + flavor, flavor, request.runtime, flavor_image(request, flavor, v), v},
                         "--cuda " + v + " --flavors " + flavor);
            !s)
          return s.error();
  }
  for (const auto& entry : request.images) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == entry.size())
      return GPUCERT_ERROR("--image '" + entry + "': expected NAME=IMAGE, e.g. runtime=/srv/flavors/runtime/rootfs");
    const auto name = entry.substr(0, eq);
    const bool is_flavor = std::find(known_flavors.begin(), known_flavors.end(), name) != known_flavors.end();
    if (auto s = add({name, is_flavor ? name : "", request.runtime, entry.substr(eq + 1), {}}, "--image " + entry); !s)
      return s.error();
  }
  return out;
}

}  // namespace gpucert::runtime
