#include "protocol_nccl.hpp"

#include <string>

#include "json_fields.hpp"

namespace gpucert {
namespace {

constexpr char kDigits[] = "0123456789abcdef";

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The field as T, or an error naming it; a missing field is an error too: nothing here has a safe default.
template <typename T>
Outcome<T> required(const nlohmann::json& j, const char* key, const char* op) {
  auto it = j.find(key);
  if (it == j.end()) return GPUCERT_ERROR(std::string("protocol: ") + op + " request without '" + key + "'");
  try {
    // A whole number is checked against T's range (json_fields.hpp): get<int>() would convert 1e30 or 2^32.
    if constexpr (WholeNumber<T>) {
      if (it->is_number()) return whole_number<T>(*it, key);
      throw std::invalid_argument("not a number");
    } else {
      return it->get<T>();
    }
  } catch (const JsonNumberError& e) {
    return GPUCERT_ERROR(std::string("protocol: ") + op + " " + e.what());
  } catch (const std::exception&) {  // nlohmann's type_error, or not a number
    return GPUCERT_ERROR(std::string("protocol: ") + op + " field '" + key + "' has the wrong type: " + it->dump());
  }
}

}  // namespace

std::string to_hex(const unsigned char* bytes, std::size_t size) {
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0x0F]);
  }
  return out;
}

Outcome<std::vector<unsigned char>> from_hex(std::string_view hex, std::size_t expected_bytes) {
  if (hex.size() != 2 * expected_bytes)
    return GPUCERT_ERROR("expected " + std::to_string(2 * expected_bytes) + " hex digits (" +
                         std::to_string(expected_bytes) + " bytes), got " + std::to_string(hex.size()));
  std::vector<unsigned char> out(expected_bytes);
  for (std::size_t i = 0; i < expected_bytes; ++i) {
    const int high = digit_value(hex[2 * i]), low = digit_value(hex[2 * i + 1]);
    if (high < 0 || low < 0)
      return GPUCERT_ERROR("not a hex digit at position " + std::to_string(high < 0 ? 2 * i : 2 * i + 1) + ": '" +
                           std::string(1, high < 0 ? hex[2 * i] : hex[2 * i + 1]) + "'");
    out[i] = static_cast<unsigned char>(high << 4 | low);
  }
  return out;
}

namespace protocol_detail {

nlohmann::json nccl_init_to_json(const NcclInitRequest& r) {
  return {{"op", "nccl_init"},  {"id", r.id},         {"rank", r.rank},
          {"nranks", r.nranks}, {"device", r.device}, {"timeout_s", r.timeout_s}};
}

Outcome<NcclInitRequest> nccl_init_from_json(const nlohmann::json& j) {
  auto id = required<std::string>(j, "id", "nccl_init");
  auto rank = required<int>(j, "rank", "nccl_init");
  auto nranks = required<int>(j, "nranks", "nccl_init");
  auto device = required<int>(j, "device", "nccl_init");
  auto timeout = required<int>(j, "timeout_s", "nccl_init");
  for (const Error* e : {id ? nullptr : &id.error(), rank ? nullptr : &rank.error(), nranks ? nullptr : &nranks.error(),
                         device ? nullptr : &device.error(), timeout ? nullptr : &timeout.error()})
    if (e) return *e;
  if (auto bytes = from_hex(*id, kNcclUniqueIdBytes); !bytes)
    return GPUCERT_ERROR("protocol: nccl_init id is not an NCCL unique id: " + bytes.error().message);
  if (*nranks < 1 || *rank < 0 || *rank >= *nranks)
    return GPUCERT_ERROR("protocol: nccl_init needs 0 <= rank < nranks, got rank " + std::to_string(*rank) + " of " +
                         std::to_string(*nranks));
  if (*device < 0 || *timeout < 1) return GPUCERT_ERROR("protocol: nccl_init needs device >= 0 and timeout_s >= 1");
  return NcclInitRequest{*id, *rank, *nranks, *device, *timeout};
}

}  // namespace protocol_detail

std::string encode_nccl_reply(const NcclReply& reply) {
  nlohmann::json j = {{"op", reply.op}, {"ok", reply.ok}, {"message", reply.message}};
  if (reply.unavailable) j["unavailable"] = true;
  if (!reply.id.empty()) j["id"] = reply.id;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Outcome<NcclReply> decode_nccl_reply(std::string_view line, std::string_view expected_op) {
  const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return GPUCERT_ERROR("protocol: not a JSON object: '" + std::string(line.substr(0, 200)) + "'");
  try {
    NcclReply reply;
    reply.op = j.value("op", "");
    reply.ok = j.value("ok", false);
    reply.unavailable = j.value("unavailable", false);
    reply.id = j.value("id", "");
    reply.message = j.value("message", "");
    if (reply.op == "error" && !reply.ok) {
      reply.op = std::string(expected_op);
      return reply;
    }
    if (reply.op != expected_op)
      return GPUCERT_ERROR("protocol: expected a " + std::string(expected_op) + " reply, got: " +
                           j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).substr(0, 200));
    if (reply.ok && expected_op == "nccl_id") {
      if (auto bytes = from_hex(reply.id, kNcclUniqueIdBytes); !bytes)
        return GPUCERT_ERROR("protocol: nccl_id reply carries no valid id: " + bytes.error().message);
    }
    return reply;
  } catch (const nlohmann::json::exception&) {
    return GPUCERT_ERROR("protocol: " + std::string(expected_op) + " reply with a field of the wrong type: " +
                         j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).substr(0, 200));
  }
}

}  // namespace gpucert
