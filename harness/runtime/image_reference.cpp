#include "image_reference.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace gpucert::runtime {
namespace {

bool is_lower_hex(char c) { return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f'); }

Status check_digest(std::string_view digest, const std::string& reference) {
  const auto colon = digest.find(':');
  const auto algorithm = digest.substr(0, colon);
  const auto hex = colon == std::string_view::npos ? std::string_view{} : digest.substr(colon + 1);
  const std::size_t want = algorithm == "sha256" ? 64 : algorithm == "sha512" ? 128 : 0;
  if (want == 0 || hex.size() != want || !std::all_of(hex.begin(), hex.end(), is_lower_hex))
    return GPUCERT_ERROR("image '" + reference + "': '" + std::string(digest) +
                         "' is not a digest (expected sha256: and 64 lowercase hex digits)");
  return ok_status();
}

}  // namespace

bool is_image_uri(std::string_view image) { return image.find("://") != std::string_view::npos; }

Status check_image_reference(std::string_view reference) {
  const std::string shown(reference);
  std::string_view name = reference;
  if (auto scheme = name.find("://"); scheme != std::string_view::npos) name.remove_prefix(scheme + 3);
  if (name.empty()) return GPUCERT_ERROR("image reference is empty");

  // A digest follows the last '@' (an earlier '@' is enroot's USER@ prefix).
  bool has_digest = false;
  if (auto at = name.rfind('@'); at != std::string_view::npos) {
    const auto after = name.substr(at + 1);
    if (after.find(':') != std::string_view::npos && after.find('/') == std::string_view::npos &&
        after.find('#') == std::string_view::npos) {
      if (auto s = check_digest(after, shown); !s) return s;
      has_digest = true;
      name = name.substr(0, at);
    }
  }
  // The tag follows the last ':' of the last path component; a ':' before a '/' (or enroot's '#') is a port.
  const auto last_component = name.find_last_of("/#");
  const auto colon = name.rfind(':');
  const bool has_tag_separator =
      colon != std::string_view::npos && (last_component == std::string_view::npos || colon > last_component);
  const auto tag = has_tag_separator ? name.substr(colon + 1) : std::string_view{};
  if (has_tag_separator && tag.empty()) return GPUCERT_ERROR("image '" + shown + "' has an empty tag");
  std::string lowered(tag);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lowered == "latest")
    return GPUCERT_ERROR("image '" + shown +
                         "' uses the tag 'latest', which names different content over time: "
                         "pin a version tag (e.g. :13.0-runtime-ubuntu24.04) or a digest (@sha256:...)");
  if (!has_tag_separator && !has_digest)
    return GPUCERT_ERROR("image '" + shown +
                         "' has no tag, so the runtime would take 'latest': pin a version tag "
                         "(e.g. :13.0-runtime-ubuntu24.04) or a digest (@sha256:...)");
  return ok_status();
}

}  // namespace gpucert::runtime
