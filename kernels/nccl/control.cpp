#include "control.hpp"

#include <chrono>
#include <cstring>
#include <exception>

#include <nccl.h>

#include "communicator.hpp"
#include "nccl_check.hpp"

namespace gpucert::kernels::nccl {
namespace {

static_assert(sizeof(ncclUniqueId) == kNcclUniqueIdBytes, "core's kNcclUniqueIdBytes must be NCCL_UNIQUE_ID_BYTES");

NcclReply make_id() {
  NcclReply reply{"nccl_id", false, false, "", ""};
  ncclUniqueId id{};
  GPUCERT_NCCL_TRY(ncclGetUniqueId(&id));
  reply.id = to_hex(reinterpret_cast<const unsigned char*>(id.internal), sizeof(id.internal));
  reply.ok = true;
  return reply;
}

NcclReply join(const NcclInitRequest& request) {
  NcclReply reply{"nccl_init", false, false, "", ""};
  auto bytes = from_hex(request.id, kNcclUniqueIdBytes);
  if (!bytes) {
    reply.message = "nccl_init: " + bytes.error().message;
    return reply;
  }
  ncclUniqueId id{};
  std::memcpy(id.internal, bytes->data(), sizeof(id.internal));
  Communicator::instance().init(id, request.rank, request.nranks, request.device,
                                std::chrono::seconds(request.timeout_s));
  reply.ok = true;
  reply.message = "rank " + std::to_string(request.rank) + " of " + std::to_string(request.nranks) + " on device " +
                  std::to_string(request.device);
  return reply;
}

}  // namespace

std::string control(const char* request_json) {
  std::string op = "nccl_init";
  try {
    auto request = decode_request(request_json ? request_json : "");
    if (!request) return encode_nccl_reply({op, false, false, "", request.error().describe()});
    if (std::holds_alternative<NcclIdRequest>(*request)) {
      op = "nccl_id";
      return encode_nccl_reply(make_id());
    }
    if (const auto* init = std::get_if<NcclInitRequest>(&*request)) return encode_nccl_reply(join(*init));
    return encode_nccl_reply(
        {op, false, false, "", "the nccl plugin's control entry takes nccl_id and nccl_init only"});
  } catch (const std::exception& e) {
    return encode_nccl_reply({op, false, false, "", e.what()});
  } catch (...) {
    return encode_nccl_reply({op, false, false, "", "nccl: unknown exception"});
  }
}

}  // namespace gpucert::kernels::nccl
