// What an image says about itself: its reference, labels, environment, size, architecture and OS. Read from
// `podman image inspect` (or `docker image inspect`) output, or from the OCI image configuration the local
// image builder writes beside each bundle's root filesystem. Input of the image-hygiene check; stored in
// the run's EnvironmentRecord.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "error.hpp"

namespace gpucert {

struct ImageFacts {
  std::string reference;  // "localhost/gpucert/cuda:13.0-runtime", or the bundle's root filesystem
  std::string id;         // the image id or digest, when known ("sha256:...")
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> env;  // the image's ENV, NAME -> value
  std::optional<std::uint64_t> size_bytes;
  std::string architecture;  // OCI names: "amd64", "arm64"
  std::string os;            // "linux"
  std::string source;        // where the facts came from: "podman image inspect", ".../image-config.json"
};

// `podman image inspect REF` prints an array of one object ("Id", "RepoTags", "Size", "Architecture", "Os",
// "Config": {"Env": [...], "Labels": {...}}, "Labels"); a bare object is read too. `reference` is the name
// that was inspected; empty: the first of RepoTags.
Outcome<ImageFacts> image_facts_from_inspect(std::string_view text, const std::string& reference);

// An OCI image configuration: {"architecture", "os", "config": {"Env": [...], "Labels": {...}}}, with the
// builder's "size_bytes" (or "size") beside it when it knows the unpacked size. Tolerant: missing parts stay
// unknown; only unreadable JSON or a part of the wrong type is an error.
Outcome<ImageFacts> image_facts_from_oci_config(std::string_view text, const std::string& reference,
                                                const std::string& source = "OCI image configuration");

// "x86_64" -> "amd64", "aarch64" -> "arm64", "ppc64le" -> "ppc64le"; OCI names stay as they are; lowercase.
std::string oci_architecture(std::string_view machine_or_oci);

// This build's architecture in OCI terms ("amd64" on x86-64).
std::string build_architecture();

// Why a reference's tag names changing content: "uses the tag 'latest'" or "has no tag or digest", or
// nullopt for a pinned one (a version tag or a digest). A root filesystem path has no tag: nullopt.
std::optional<std::string> floating_tag_problem(std::string_view reference);

nlohmann::json to_json(const ImageFacts& facts);
Outcome<ImageFacts> image_facts_from_json(const nlohmann::json& j);

}  // namespace gpucert
