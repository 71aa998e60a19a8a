// The compiled half of the `callagent` Python package. It sees only the public C ABI; each C
// handle gets a small RAII owner (create in the constructor, destroy in the destructor) that
// pybind11 holds, so a Python object's lifetime is the handle's.
#include <callagent/callagent.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <limits>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "bindings.hpp"

namespace py = pybind11;

namespace {

struct VersionInfo {
  std::uint32_t major;
  std::uint32_t minor;
  std::uint32_t patch;
};

// Unpacks the run-time version, MAJOR * 10000 + MINOR * 100 + PATCH as the header defines it.
VersionInfo loaded_version() {
  const std::uint32_t packed = ca_version();
  return {packed / 10000, packed / 100 % 100, packed % 100};
}

// A failed ca_* call as a Python exception: ValueError for an invalid argument, RuntimeError for
// anything else, with ca_last_error() as the message.
void check(ca_status status) {
  if (status == CA_OK) return;
  const std::string message = std::string(ca_status_string(status)) + ": " + ca_last_error();
  if (status == CA_ERR_INVALID_ARGUMENT) throw std::invalid_argument(message);
  throw std::runtime_error(message);
}

// One event as the callback saw it, copied (the callback runs with the GIL released).
struct SimEvent {
  int type = 0;
  int state = 0;
  int ok = 1;
  int64_t time_ns = 0;
  std::string text;
  std::string detail;
  std::optional<ca_turn_timeline> timeline;
};

// The owner of a ca_sim_t: created in the constructor, destroyed with the Python object.
class Simulator {
 public:
  struct Settings {
    std::string language;
    std::string greeting;
    std::string system_prompt;
    std::string call_id;
    int sample_rate = 8000;
    bool greeting_interruptible = false;
  };

  Simulator(const Settings &settings, const ca_sim_params &params) {
    ca_session_params sp;
    check(ca_session_default_params(&sp, sizeof sp));
    sp.sample_rate = settings.sample_rate;
    sp.language = settings.language.empty() ? nullptr : settings.language.c_str();
    sp.greeting = settings.greeting.c_str();
    sp.system_prompt = settings.system_prompt.c_str();
    sp.call_id = settings.call_id.c_str();
    sp.greeting_interruptible = settings.greeting_interruptible ? 1 : 0;
    sp.on_event = &Simulator::on_event;
    sp.event_user_data = this;
    check(ca_sim_create(&sp, &params, &sim_));
  }
  ~Simulator() { ca_sim_destroy(sim_); }
  Simulator(const Simulator &) = delete;
  Simulator &operator=(const Simulator &) = delete;

  void add_speech(int64_t at_ms, int64_t duration_ms, const std::string &text, double level_dbfs) {
    check(ca_sim_add_speech(sim_, at_ms, duration_ms, text.c_str(), level_dbfs));
  }
  void add_dtmf(int64_t at_ms, const std::string &digit) {
    if (digit.size() != 1) throw std::invalid_argument("digit must be one character");
    check(ca_sim_add_dtmf(sim_, at_ms, digit[0]));
  }
  void set_hangup(int64_t at_ms) { check(ca_sim_set_hangup(sim_, at_ms)); }
  void add_transfer_result(bool ok) { check(ca_sim_add_transfer_result(sim_, ok ? 1 : 0)); }

  void add_llm_reply(const std::string &text,
                     const std::vector<std::tuple<std::string, std::string, std::string>> &tool_calls,
                     int first_token_ms, double tokens_per_second, int fail_after_tokens) {
    std::vector<ca_tool_call> calls(tool_calls.size());
    std::vector<const ca_tool_call *> pointers;
    for (size_t i = 0; i < tool_calls.size(); ++i) {
      calls[i].struct_size = sizeof calls[i];
      calls[i].id = std::get<0>(tool_calls[i]).c_str();
      calls[i].name = std::get<1>(tool_calls[i]).c_str();
      calls[i].arguments_json = std::get<2>(tool_calls[i]).c_str();
      pointers.push_back(&calls[i]);
    }
    ca_sim_llm_reply reply;
    check(ca_sim_default_llm_reply(&reply, sizeof reply));
    reply.text = text.c_str();
    reply.tool_calls = pointers.data();
    reply.tool_call_count = pointers.size();
    reply.first_token_ms = first_token_ms;
    reply.tokens_per_second = tokens_per_second;
    reply.fail_after_tokens = fail_after_tokens;
    check(ca_sim_add_llm_reply(sim_, &reply));
  }

  void add_tool(const std::string &name, const std::string &result_json, const std::string &description,
                int latency_ms, bool side_effecting, int action, const std::string &wait_phrase) {
    check(ca_sim_add_tool(sim_, name.c_str(), description.c_str(), result_json.c_str(), latency_ms,
                          side_effecting ? 1 : 0, action, wait_phrase.c_str()));
  }

  // Plays the call without the GIL (the callback only copies), then builds the event dicts.
  py::list run(int64_t until_ms) {
    ca_status status;
    {
      py::gil_scoped_release release;
      status = ca_sim_run(sim_, until_ms);
    }
    check(status);
    if (lost_events_) throw std::bad_alloc();
    py::list out;
    for (const SimEvent &e : events_) {
      py::dict d;
      d["type"] = ca_event_type_name(e.type);
      d["time_ms"] = static_cast<double>(e.time_ns) / 1e6;
      d["time_ns"] = e.time_ns;
      d["text"] = e.text;
      d["detail"] = e.detail;
      d["state"] = ca_state_name(e.state);
      d["ok"] = e.ok != 0;
      if (e.timeline) d["timeline"] = timeline_dict(*e.timeline);
      out.append(d);
    }
    return out;
  }

  py::bytes outbound() const {
    size_t n = 0;
    const int16_t *pcm = ca_sim_outbound(sim_, &n);
    if (pcm == nullptr) return py::bytes();
    return py::bytes(reinterpret_cast<const char *>(pcm), n * sizeof *pcm);
  }

  py::dict stats() const {
    ca_session_stats s{};
    s.struct_size = sizeof s;
    check(ca_sim_get_stats(sim_, &s));
    return stats_dict(s);
  }

  std::optional<double> ended_at_ms() const {
    const int64_t t = ca_sim_ended_at_ns(sim_);
    if (t == std::numeric_limits<int64_t>::max()) return std::nullopt;
    return static_cast<double>(t) / 1e6;
  }
  std::string final_state() const { return ca_state_name(ca_sim_final_state(sim_)); }
  size_t llm_request_count() const { return ca_sim_llm_request_count(sim_); }
  size_t tool_invocations(const std::string &name) const { return ca_sim_tool_invocations(sim_, name.c_str()); }

 private:
  static void on_event(const ca_event *e, void *user_data) {
    auto *self = static_cast<Simulator *>(user_data);
    SimEvent x;
    x.type = e->type;
    x.state = e->state;
    x.ok = e->ok;
    x.time_ns = e->time_ns;
    x.text = e->text;
    x.detail = e->detail;
    if (e->timeline != nullptr) x.timeline = *e->timeline;
    // No exception may cross the C ABI: a failed copy is reported by run().
    try {
      self->events_.push_back(std::move(x));
    } catch (...) {
      self->lost_events_ = true;
    }
  }

  ca_sim_t *sim_ = nullptr;
  std::vector<SimEvent> events_;
  bool lost_events_ = false;
};

int tool_action(const py::object &action) {
  if (py::isinstance<py::str>(action)) {
    const auto name = action.cast<std::string>();
    if (name == "none") return CA_TOOL_ACTION_NONE;
    if (name == "transfer") return CA_TOOL_ACTION_TRANSFER;
    if (name == "hangup") return CA_TOOL_ACTION_HANGUP;
    throw std::invalid_argument("action must be 'none', 'transfer' or 'hangup'");
  }
  return action.cast<int>();
}

}  // namespace

PYBIND11_MODULE(_callagent, m) {
  m.doc() = "libcallagent's C ABI; import the `callagent` package instead of this module.";
  bind_engine(m);

  // The string comes from ca_version_string() and the tuple from ca_version(), so a test that
  // compares them checks that the two entry points agree.
  m.def(
      "version", [] { return std::string(ca_version_string()); },
      "Version of the loaded libcallagent as \"MAJOR.MINOR.PATCH\".");
  m.def(
      "version_info",
      [] {
        const VersionInfo v = loaded_version();
        return std::make_tuple(v.major, v.minor, v.patch);
      },
      "Version of the loaded libcallagent as (major, minor, patch).");

  // What the module was compiled against; the same MAJOR as version_info() means the ABI matches.
  m.attr("ABI_VERSION") = py::int_(CALLAGENT_VERSION);

  // The test kit (ca_sim_*): a call simulator with scripted plug-ins on a virtual clock.
  ca_sim_params defaults;
  check(ca_sim_default_params(&defaults, sizeof defaults));
  py::class_<Simulator>(m, "Simulator",
                        "A call played against a caller script with scripted STT, LLM, TTS and tools on a "
                        "virtual clock (ca_sim_*). Deterministic; runs as fast as the CPU allows.")
      .def(py::init([](const std::string &language, const std::string &greeting, int sample_rate,
                       const std::string &system_prompt, const std::string &call_id, bool greeting_interruptible,
                       int stt_interim_latency_ms, int stt_final_latency_ms, int llm_first_token_ms,
                       double llm_tokens_per_second, int tts_first_audio_ms, double tts_ms_per_char,
                       int tts_sample_rate, bool echo, double echo_db, int echo_delay_ms, int transfer_delay_ms) {
             Simulator::Settings s;
             s.language = language;
             s.greeting = greeting;
             s.sample_rate = sample_rate;
             s.system_prompt = system_prompt;
             s.call_id = call_id;
             s.greeting_interruptible = greeting_interruptible;
             ca_sim_params p;
             check(ca_sim_default_params(&p, sizeof p));
             p.stt_interim_latency_ms = stt_interim_latency_ms;
             p.stt_final_latency_ms = stt_final_latency_ms;
             p.llm_first_token_ms = llm_first_token_ms;
             p.llm_tokens_per_second = llm_tokens_per_second;
             p.tts_first_audio_ms = tts_first_audio_ms;
             p.tts_ms_per_char = tts_ms_per_char;
             p.tts_sample_rate = tts_sample_rate;
             p.echo = echo ? 1 : 0;
             p.echo_db = echo_db;
             p.echo_delay_ms = echo_delay_ms;
             p.transfer_delay_ms = transfer_delay_ms;
             return std::make_unique<Simulator>(s, p);
           }),
           py::kw_only(), py::arg("language") = "uk", py::arg("greeting") = "", py::arg("sample_rate") = 8000,
           py::arg("system_prompt") = "", py::arg("call_id") = "", py::arg("greeting_interruptible") = false,
           py::arg("stt_interim_latency_ms") = defaults.stt_interim_latency_ms,
           py::arg("stt_final_latency_ms") = defaults.stt_final_latency_ms,
           py::arg("llm_first_token_ms") = defaults.llm_first_token_ms,
           py::arg("llm_tokens_per_second") = defaults.llm_tokens_per_second,
           py::arg("tts_first_audio_ms") = defaults.tts_first_audio_ms,
           py::arg("tts_ms_per_char") = defaults.tts_ms_per_char,
           py::arg("tts_sample_rate") = defaults.tts_sample_rate, py::arg("echo") = defaults.echo != 0,
           py::arg("echo_db") = defaults.echo_db, py::arg("echo_delay_ms") = defaults.echo_delay_ms,
           py::arg("transfer_delay_ms") = defaults.transfer_delay_ms)
      .def("add_speech", &Simulator::add_speech, py::arg("at_ms"), py::arg("duration_ms"), py::arg("text") = "",
           py::arg("level_dbfs") = -18.0, "The caller speaks; text is what the STT hears (\"\": noise).")
      .def("add_dtmf", &Simulator::add_dtmf, py::arg("at_ms"), py::arg("digit"))
      .def("set_hangup", &Simulator::set_hangup, py::arg("at_ms"))
      .def("add_transfer_result", &Simulator::add_transfer_result, py::arg("ok"))
      .def("add_llm_reply", &Simulator::add_llm_reply, py::arg("text") = "",
           py::arg("tool_calls") = std::vector<std::tuple<std::string, std::string, std::string>>{},
           py::arg("first_token_ms") = -1, py::arg("tokens_per_second") = 0.0, py::arg("fail_after_tokens") = -1,
           "The answer to the next LLM request; tool_calls are (id, name, arguments_json) tuples.")
      .def(
          "add_tool",
          [](Simulator &s, const std::string &name, const std::string &result_json, const std::string &description,
             int latency_ms, bool side_effecting, const py::object &action, const std::string &wait_phrase) {
            s.add_tool(name, result_json, description, latency_ms, side_effecting, tool_action(action), wait_phrase);
          },
          py::arg("name"), py::arg("result_json") = "null", py::arg("description") = "", py::arg("latency_ms") = 0,
          py::arg("side_effecting") = false, py::arg("action") = py::str("none"), py::arg("wait_phrase") = "",
          "A tool whose every invocation succeeds after latency_ms with result_json; action is 'none', "
          "'transfer' or 'hangup'.")
      .def("run", &Simulator::run, py::arg("until_ms"),
           "Plays the call once (without the GIL) and returns its events as dicts: type, time_ms, time_ns, text, "
           "detail, state, ok, and timeline for turn_timeline.")
      .def("outbound", &Simulator::outbound, "The bot's audio: PCM16 mono, native byte order, at the call's rate.")
      .def("stats", &Simulator::stats)
      .def_property_readonly("ended_at_ms", &Simulator::ended_at_ms)
      .def_property_readonly("final_state", &Simulator::final_state)
      .def_property_readonly("llm_request_count", &Simulator::llm_request_count)
      .def("tool_invocations", &Simulator::tool_invocations, py::arg("name"));
}
