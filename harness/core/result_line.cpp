#include "result_line.hpp"

#include <array>
#include <bitset>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <utility>

#include "gpu_telemetry.hpp"

namespace gpucert {
namespace {

// --- writing ----------------------------------------------------------------------------------------------------

constexpr auto kReplace = nlohmann::json::error_handler_t::replace;

void append_json(std::string& out, const nlohmann::json& j) { out += j.dump(-1, ' ', false, kReplace); }

void append_string(std::string& out, std::string_view s);
void append_double(std::string& out, double x);
template <typename Integer>
void append_integer(std::string& out, Integer n);

// A subtree (params, details) as nlohmann's dump writes it, without its serializer's per-character output
// calls: objects in their (sorted) order, no spaces.
void append_value(std::string& out, const nlohmann::json& j) {
  using Type = nlohmann::json::value_t;
  switch (j.type()) {
    case Type::object: {
      out += '{';
      bool first = true;
      for (const auto& [name, value] : j.items()) {
        if (!first) out += ',';
        first = false;
        append_string(out, name);
        out += ':';
        append_value(out, value);
      }
      out += '}';
      return;
    }
    case Type::array: {
      out += '[';
      for (std::size_t i = 0; i < j.size(); ++i) {
        if (i) out += ',';
        append_value(out, j[i]);
      }
      out += ']';
      return;
    }
    case Type::string:
      return append_string(out, j.get_ref<const std::string&>());
    case Type::boolean:
      out += j.get<bool>() ? "true" : "false";
      return;
    case Type::number_integer:
      return append_integer(out, j.get<std::int64_t>());
    case Type::number_unsigned:
      return append_integer(out, j.get<std::uint64_t>());
    case Type::number_float:
      return append_double(out, j.get<double>());
    case Type::null:
      out += "null";
      return;
    default:
      return append_json(out, j);  // binary or discarded: nlohmann's own text
  }
}

// A string as nlohmann writes it: printable ASCII without '"' or '\' as it is; anything else through nlohmann,
// which escapes it and replaces invalid UTF-8.
void append_string(std::string& out, std::string_view s) {
  for (const char c : s)
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return append_json(out, nlohmann::json(s));
  out += '"';
  out += s;
  out += '"';
}

// A double as nlohmann's serializer writes it: its own shortest round-trip digits (Grisu2), null when not finite.
void append_double(std::string& out, double x) {
  if (!std::isfinite(x)) {
    out += "null";
    return;
  }
  std::array<char, 64> buffer{};
  const char* end = nlohmann::detail::to_chars(buffer.data(), buffer.data() + buffer.size(), x);
  out.append(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
}

template <typename Integer>
void append_integer(std::string& out, Integer n) {
  std::array<char, 24> buffer{};
  const auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), n).ptr;
  out.append(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
}

// `"key":`, after a comma unless it is the object's first key.
void key(std::string& out, std::string_view name, bool first = false) {
  if (!first) out += ',';
  out += '"';
  out += name;
  out += "\":";
}

void append_figures(std::string& out, const Figures& f) {
  out += "{\"at_median\":";
  append_double(out, f.at_median);
  key(out, "best");
  append_double(out, f.best);
  key(out, "worst");
  append_double(out, f.worst);
  out += '}';
}

void append_summary(std::string& out, const Summary& s) {
  out += "{\"count\":";
  append_integer(out, s.count);
  const std::pair<std::string_view, double> fields[] = {{"cv", s.cv},         {"max", s.max}, {"mean", s.mean},
                                                        {"median", s.median}, {"min", s.min}, {"p95", s.p95},
                                                        {"stddev", s.stddev}};
  for (const auto& [name, value] : fields) {
    key(out, name);
    append_double(out, value);
  }
  out += '}';
}

void append_verification(std::string& out, const Verification& v) {
  out += "{\"checked\":";
  append_integer(out, v.checked);
  key(out, "max_rel_error");
  if (std::isfinite(v.max_rel_error))
    append_double(out, v.max_rel_error);
  else
    out += "\"nan\"";
  key(out, "method");
  append_string(out, v.method);
  key(out, "mismatches");
  append_integer(out, v.mismatches);
  key(out, "passed");
  out += v.passed ? "true" : "false";
  key(out, "tolerance");
  append_double(out, v.tolerance);
  out += '}';
}

// --- reading ----------------------------------------------------------------------------------------------------

// A number token as nlohmann's lexer keeps it: an integer token (no '.', 'e' or 'E') as a signed 64-bit integer
// when it has a '-', else an unsigned one, while it fits; any other number as a double (`integer` empty).
struct Number {
  std::optional<std::int64_t> signed_integer;
  std::optional<std::uint64_t> unsigned_integer;
  double real = 0;
  [[nodiscard]] bool integer() const { return signed_integer || unsigned_integer; }
};

bool read_number(std::string_view token, Number& out) {
  const auto* last = token.data() + token.size();
  if (token.find_first_of(".eE") == std::string_view::npos) {
    if (token.front() == '-') {
      std::int64_t n = 0;
      if (const auto r = std::from_chars(token.data(), last, n); r.ec == std::errc{} && r.ptr == last) {
        out.signed_integer = n;
        return true;
      }
    } else {
      std::uint64_t n = 0;
      if (const auto r = std::from_chars(token.data(), last, n); r.ec == std::errc{} && r.ptr == last) {
        out.unsigned_integer = n;
        return true;
      }
    }
  }
  // A number no double holds ("1e400", or "1e-400" below the smallest) is the slow reader's to judge.
  const auto r = std::from_chars(token.data(), last, out.real);
  return r.ec == std::errc{} && r.ptr == last && std::isfinite(out.real);
}

// A number token as nlohmann's get<double>() gives it: an integer is converted from its 64-bit value (so "-0" is
// +0), as nlohmann converts it.
bool to_double(std::string_view token, double& out) {
  Number n;
  if (!read_number(token, n)) return false;
  out = n.signed_integer     ? static_cast<double>(*n.signed_integer)
        : n.unsigned_integer ? static_cast<double>(*n.unsigned_integer)
                             : n.real;
  return true;
}

// A cursor over one line in the subset of JSON gpucert writes: ASCII, and strings without escapes (a '\' in a
// string, a control character or a byte past ASCII make the line someone else's business: result_from_json's).
// Every function returns false on anything it does not accept, and the line is then read the slow way.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : s_(text) {}

  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool eat(char c) {
    space();
    if (i_ >= s_.size() || s_[i_] != c) return false;
    ++i_;
    return true;
  }
  [[nodiscard]] char peek() {
    space();
    return i_ < s_.size() ? s_[i_] : '\0';
  }
  [[nodiscard]] bool at_end() {
    space();
    return i_ == s_.size();
  }

  bool string(std::string_view& out) {
    if (!eat('"')) return false;
    const auto begin = i_;
    for (; i_ < s_.size(); ++i_) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        out = s_.substr(begin, i_ - begin);
        ++i_;
        return true;
      }
      if (c < 0x20 || c >= 0x80 || c == '\\') return false;
    }
    return false;
  }

  // A number token, checked against JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  bool number(std::string_view& token) {
    space();
    const auto begin = i_;
    const auto digits = [this] {
      const auto from = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ - from;
    };
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    const auto lead = i_;
    const auto whole = digits();
    if (whole == 0 || (whole > 1 && s_[lead] == '0')) return false;
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (digits() == 0) return false;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (digits() == 0) return false;
    }
    token = s_.substr(begin, i_ - begin);
    return true;
  }

  bool literal(std::string_view word) {
    space();
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  // `open`, then items separated by commas (or none), then `close`: every object and array of a line, each item
  // read by `item()`.
  template <typename Item>
  bool sequence(char open, char close, Item&& item) {
    if (!eat(open)) return false;
    if (eat(close)) return true;
    do {
      if (!item()) return false;
    } while (eat(','));
    return eat(close);
  }

  // Any value, checked and passed over. Nesting deeper than any record's stays with the slow reader.
  bool skip(int depth = 0) {
    std::string_view ignored;
    switch (peek()) {
      case '"':
        return string(ignored);
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      case '{':
        return depth <= 32 && sequence('{', '}', [&] { return string(ignored) && eat(':') && skip(depth + 1); });
      case '[':
        return depth <= 32 && sequence('[', ']', [&] { return skip(depth + 1); });
      default: {
        // As nlohmann reads it: a number no double holds ("1e400") makes the whole line unreadable.
        double x = 0;
        return number(ignored) && to_double(ignored, x);
      }
    }
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

// A whole number within T, written as an integer; anything else (20.0, 1e3, out of range) is the slow reader's.
template <typename T>
bool to_whole(std::string_view token, T& out) {
  Number n;
  if (!read_number(token, n) || !n.integer()) return false;
  if (n.signed_integer ? !std::in_range<T>(*n.signed_integer) : !std::in_range<T>(*n.unsigned_integer)) return false;
  out = n.signed_integer ? static_cast<T>(*n.signed_integer) : static_cast<T>(*n.unsigned_integer);
  return true;
}

template <typename T>
bool whole(Cursor& c, T& out) {
  std::string_view token;
  return c.number(token) && to_whole(token, out);
}

bool real(Cursor& c, double& out) {
  std::string_view token;
  return c.number(token) && to_double(token, out);
}

bool text(Cursor& c, std::string& out) {
  std::string_view s;
  if (!c.string(s)) return false;
  out.assign(s);
  return true;
}

// An object's fields, each name looked up in `names` and handed to `field(index, cursor)`; a name seen twice is
// the slow reader's (nlohmann keeps the last, which this reader does not try to imitate). Names not listed are
// checked and skipped, as result_from_json ignores them.
template <std::size_t N, typename Field>
bool fields(Cursor& c, const std::array<std::string_view, N>& names, Field&& field) {
  std::bitset<N> seen;
  return c.sequence('{', '}', [&] {
    std::string_view name;
    if (!c.string(name) || !c.eat(':')) return false;
    std::size_t index = 0;
    while (index < N && names[index] != name) ++index;
    if (index == N) return c.skip();
    if (seen[index]) return false;
    seen[index] = true;
    return field(index, c);
  });
}

// A number token typed as nlohmann's lexer types it (Number).
bool number_value(std::string_view token, nlohmann::json& out) {
  Number n;
  if (!read_number(token, n)) return false;
  if (n.signed_integer)
    out = *n.signed_integer;
  else if (n.unsigned_integer)
    out = *n.unsigned_integer;
  else
    out = n.real;
  return true;
}

// A subtree kept as JSON (params, details, telemetry, earlier_attempts), built as nlohmann's parser builds it
// (a name given twice keeps its last value) without its lexer.
bool subtree(Cursor& c, nlohmann::json& out, int depth = 0) {
  if (depth > 32) return false;
  switch (c.peek()) {
    case '{':
      out = nlohmann::json::object();
      return c.sequence('{', '}', [&] {
        std::string_view name;
        return c.string(name) && c.eat(':') && subtree(c, out[std::string(name)], depth + 1);
      });
    case '[':
      out = nlohmann::json::array();
      return c.sequence('[', ']', [&] {
        out.push_back(nullptr);
        return subtree(c, out.back(), depth + 1);
      });
    case '"': {
      std::string_view text;
      if (!c.string(text)) return false;
      out = std::string(text);
      return true;
    }
    case 't':
      out = true;
      return c.literal("true");
    case 'f':
      out = false;
      return c.literal("false");
    case 'n':
      out = nullptr;
      return c.literal("null");
    default: {
      std::string_view token;
      return c.number(token) && number_value(token, out);
    }
  }
}

// An object read field by field, or anything else, checked and skipped: result_from_json reads device,
// verification and time_s through object_at, which treats a value that is not an object as an empty one.
template <std::size_t N, typename Field>
bool object_or_skip(Cursor& c, const std::array<std::string_view, N>& names, Field&& field, bool& was_object) {
  was_object = c.peek() == '{';
  if (was_object) return fields(c, names, std::forward<Field>(field));
  return c.skip();
}

bool read_device(Cursor& c, Placement& p) {
  static constexpr std::array<std::string_view, 3> kNames{"index", "name", "uuid"};
  bool object = false;
  return object_or_skip(
      c, kNames,
      [&p](std::size_t field, Cursor& in) {
        switch (field) {
          case 0:
            return whole(in, p.device);
          case 1:
            return text(in, p.device_name);
          default:
            return text(in, p.device_uuid);
        }
      },
      object);
}

bool read_verification(Cursor& c, Verification& v) {
  static constexpr std::array<std::string_view, 6> kNames{"passed",        "checked",   "mismatches",
                                                          "max_rel_error", "tolerance", "method"};
  bool object = false;
  return object_or_skip(
      c, kNames,
      [&v](std::size_t field, Cursor& in) {
        switch (field) {
          case 0:
            v.passed = in.literal("true");
            return v.passed || in.literal("false");
          case 1:
            return whole(in, v.checked);
          case 2:
            return whole(in, v.mismatches);
          case 3: {
            // Anything but a number ("nan", null) is NaN, as verification_from_json reads it.
            if (const char next = in.peek(); next == '-' || (next >= '0' && next <= '9'))
              return real(in, v.max_rel_error);
            v.max_rel_error = std::nan("");
            return in.skip();
          }
          case 4:
            return real(in, v.tolerance);
          default:
            return text(in, v.method);
        }
      },
      object);
}

bool read_time(Cursor& c, Summary& s, bool& present) {
  static constexpr std::array<std::string_view, 8> kNames{"count",  "min", "max",    "mean",
                                                          "median", "p95", "stddev", "cv"};
  return object_or_skip(
      c, kNames,
      [&s](std::size_t field, Cursor& in) {
        switch (field) {
          case 0:
            return whole(in, s.count);
          case 1:
            return real(in, s.min);
          case 2:
            return real(in, s.max);
          case 3:
            return real(in, s.mean);
          case 4:
            return real(in, s.median);
          case 5:
            return real(in, s.p95);
          case 6:
            return real(in, s.stddev);
          default:
            return real(in, s.cv);
        }
      },
      present);
}

bool read_samples(Cursor& c, std::vector<double>& samples) {
  return c.sequence('[', ']', [&] {
    double x = 0;
    if (!real(c, x)) return false;
    samples.push_back(x);
    return true;
  });
}

enum Field : std::size_t {
  kId,
  kWorkload,
  kParams,
  kWarmup,
  kRepetitions,
  kWork,
  kMetric,
  kRank,
  kLocalRank,
  kHost,
  kDevice,
  kStatus,
  kSamples,
  kVerification,
  kMessage,
  kDetails,
  kTelemetry,
  kTime,
  kEnvironment,
  kRun,
  kEarlierAttempts,
  kFieldCount
};
constexpr std::array<std::string_view, kFieldCount> kFieldNames{
    "id",      "workload",   "params",    "warmup", "repetitions", "work",      "metric",
    "rank",    "local_rank", "host",      "device", "status",      "samples_s", "verification",
    "message", "details",    "telemetry", "time_s", "environment", "run",       "earlier_attempts"};

}  // namespace

void append_result_line(std::string& out, const ResultRecord& r) {
  const auto& m = r.measurement;
  const auto& p = r.placement;
  // The keys in nlohmann's order (its objects are std::maps): sorted.
  out += '{';
  if (r.bus_figures) {
    key(out, "bus_figure", true);
    append_figures(out, *r.bus_figures);
    key(out, "details");
  } else {
    key(out, "details", true);
  }
  append_value(out, r.reply.details);
  key(out, "device");
  out += "{\"index\":";
  append_integer(out, p.device);
  key(out, "name");
  append_string(out, p.device_name);
  key(out, "uuid");
  append_string(out, p.device_uuid);
  out += '}';
  if (!r.earlier_attempts.empty()) {
    key(out, "earlier_attempts");
    append_json(out, nlohmann::json(r.earlier_attempts));
  }
  key(out, "environment");
  append_string(out, r.environment);
  key(out, "figure");
  if (r.figures)
    append_figures(out, *r.figures);
  else
    out += "null";
  key(out, "host");
  append_string(out, p.host);
  key(out, "id");
  append_string(out, m.id);
  key(out, "local_rank");
  append_integer(out, p.local_rank);
  key(out, "message");
  append_string(out, r.reply.message);
  key(out, "metric");
  append_string(out, name_of(m.metric));
  key(out, "params");
  append_value(out, m.params);
  key(out, "rank");
  append_integer(out, p.rank);
  key(out, "repetitions");
  append_integer(out, m.repetitions);
  if (!r.run_id.empty()) {
    key(out, "run");
    append_string(out, r.run_id);
  }
  key(out, "samples_s");
  out += '[';
  for (std::size_t i = 0; i < r.reply.samples_s.size(); ++i) {
    if (i) out += ',';
    append_double(out, r.reply.samples_s[i]);
  }
  out += ']';
  key(out, "status");
  append_string(out, name_of(r.reply.status));
  if (r.reply.telemetry) {
    key(out, "telemetry");
    append_json(out, to_json(*r.reply.telemetry));
  }
  key(out, "time_s");
  if (r.time)
    append_summary(out, *r.time);
  else
    out += "null";
  key(out, "unit");
  append_string(out, unit_of(m.metric));
  key(out, "verification");
  append_verification(out, r.reply.verification);
  key(out, "warmup");
  append_integer(out, m.warmup);
  key(out, "work");
  append_integer(out, m.work);
  key(out, "workload");
  append_string(out, m.workload);
  out += '}';
}

std::optional<ResultRecord> read_result_line(std::string_view line) {
  Measurement m;
  m.params = nlohmann::json::object();  // a record without params has none, as result_from_json reads it
  Placement p;
  RunReply reply;
  reply.details = nlohmann::json::object();
  Summary time;
  bool time_is_object = false;
  std::string environment = "native", run_id, metric = "bandwidth", status;
  nlohmann::json telemetry, attempts;
  std::bitset<kFieldCount> seen;
  Cursor c(line);
  const bool read = fields(c, kFieldNames, [&](std::size_t field, Cursor& in) {
    seen[field] = true;
    switch (static_cast<Field>(field)) {
      case kId:
        return text(in, m.id);
      case kWorkload:
        return text(in, m.workload);
      case kParams:
        if (!subtree(in, m.params)) return false;
        if (m.params.is_null()) m.params = nlohmann::json::object();
        return m.params.is_object();
      case kWarmup:
        return whole(in, m.warmup);
      case kRepetitions:
        return whole(in, m.repetitions);
      case kWork:
        return whole(in, m.work);
      case kMetric:
        return text(in, metric);
      case kRank:
        return whole(in, p.rank);
      case kLocalRank:
        return whole(in, p.local_rank);
      case kHost:
        return text(in, p.host);
      case kDevice:
        return read_device(in, p);
      case kStatus:
        return text(in, status);
      case kSamples:
        return read_samples(in, reply.samples_s);
      case kVerification:
        return read_verification(in, reply.verification);
      case kMessage:
        return text(in, reply.message);
      case kDetails:
        if (!subtree(in, reply.details)) return false;
        if (reply.details.is_null()) reply.details = nlohmann::json::object();
        return true;
      case kTelemetry:
        return subtree(in, telemetry);
      case kTime:
        return read_time(in, time, time_is_object);
      case kEnvironment:
        return text(in, environment) && !environment.empty();
      case kRun:
        return text(in, run_id);
      case kEarlierAttempts:
        return subtree(in, attempts);
      case kFieldCount:
        break;
    }
    return false;
  });
  if (!read || !c.at_end() || !seen[kId] || !seen[kWorkload] || !seen[kRank] || !seen[kStatus]) return std::nullopt;
  const auto run_status = parse_run_status(status);
  if (!run_status) return std::nullopt;
  reply.status = *run_status;
  m.metric = metric == "throughput" ? Metric::Throughput : Metric::Bandwidth;
  if (telemetry.is_object()) {
    auto parsed = measurement_telemetry_from_json(telemetry);
    if (!parsed) return std::nullopt;
    reply.telemetry = std::move(*parsed);
  }
  // Figures from samples or a summary may refuse them (a time <= 0): result_from_json says so for the line.
  std::optional<ResultRecord> made;
  try {
    made = make_record(std::move(m), std::move(p), std::move(reply));
    if (time_is_object) figures_from_summary(*made, time);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  auto& record = *made;
  record.environment = std::move(environment);
  record.run_id = std::move(run_id);
  if (attempts.is_array())
    for (auto& attempt : attempts)
      if (attempt.is_object()) record.earlier_attempts.push_back(std::move(attempt));
  return made;
}

}  // namespace gpucert
