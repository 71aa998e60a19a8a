// Engines, sessions and plug-ins written in Python, through the RAII header over the C ABI: a
// Python plug-in becomes a callagent::*Plugin whose entries take the GIL and call the object's
// methods, so it travels the same vtable path as a plug-in written in C.
#include <callagent/callagent.hpp>
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"

namespace py = pybind11;

namespace {

void check(const callagent::Status &st) {
  if (st) return;
  const std::string message = std::string(st.name()) + ": " + st.detail();
  if (st.code() == CA_ERR_INVALID_ARGUMENT) throw std::invalid_argument(message);
  throw std::runtime_error(message);
}

// A plug-in entry raised: the call cannot go on sanely inside the library's frame, so the
// exception is printed (as Python does for errors in callbacks) and the entry returns.
void report(py::error_already_set &e, const char *where) {
  e.restore();
  PyErr_WriteUnraisable(py::str(where).ptr());
}

// Holds a Python object from C++: the reference is dropped with the GIL held, whichever thread
// releases the last C++ reference.
class PyRef {
 public:
  explicit PyRef(py::object o) : o_(std::move(o)) {}
  PyRef(const PyRef &) = delete;
  PyRef &operator=(const PyRef &) = delete;
  ~PyRef() {
    py::gil_scoped_acquire gil;
    o_ = py::object();
  }
  const py::object &get() const { return o_; }

 private:
  py::object o_;
};

py::bytes pcm_bytes(const int16_t *pcm, size_t n) {
  return py::bytes(reinterpret_cast<const char *>(pcm), n * sizeof(int16_t));
}

// PCM16 from bytes (native order) or a sequence of ints.
std::vector<int16_t> pcm_from(const py::object &o) {
  std::vector<int16_t> out;
  if (py::isinstance<py::bytes>(o) || py::isinstance<py::bytearray>(o) || py::isinstance<py::memoryview>(o)) {
    const py::buffer_info info = py::buffer(o).request();
    const size_t bytes = static_cast<size_t>(info.size * info.itemsize);
    if (bytes % 2 != 0) throw std::invalid_argument("PCM16 bytes must have an even length");
    out.resize(bytes / 2);
    std::memcpy(out.data(), info.ptr, bytes);
    return out;
  }
  for (const py::handle h : o) out.push_back(h.cast<int16_t>());
  return out;
}

class PyStt final : public callagent::SttPlugin {
 public:
  explicit PyStt(py::object o) : o_(std::move(o)) {}
  void open(uint64_t stream, const callagent::SttParams &p, callagent::SttSink sink) override {
    py::gil_scoped_acquire gil;
    try {
      o_.get().attr("open")(stream, p, std::move(sink));
    } catch (py::error_already_set &e) { report(e, "SttPlugin.open"); }
  }
  void push(uint64_t stream, const int16_t *pcm, size_t n) override {
    py::gil_scoped_acquire gil;
    try {
      o_.get().attr("push")(stream, pcm_bytes(pcm, n));
    } catch (py::error_already_set &e) { report(e, "SttPlugin.push"); }
  }
  void finish(uint64_t stream) override {
    py::gil_scoped_acquire gil;
    try {
      o_.get().attr("finish")(stream);
    } catch (py::error_already_set &e) { report(e, "SttPlugin.finish"); }
  }
  void cancel(uint64_t stream) override {
    py::gil_scoped_acquire gil;
    try {
      if (py::hasattr(o_.get(), "cancel")) o_.get().attr("cancel")(stream);
    } catch (py::error_already_set &e) { report(e, "SttPlugin.cancel"); }
  }

 private:
  PyRef o_;
};

class PyTts final : public callagent::TtsPlugin {
 public:
  explicit PyTts(py::object o) : o_(std::move(o)) {}
  void synthesize(uint64_t id, const callagent::TtsRequest &r, callagent::TtsSink sink) override {
    py::gil_scoped_acquire gil;
    try {
      o_.get().attr("synthesize")(id, r, std::move(sink));
    } catch (py::error_already_set &e) { report(e, "TtsPlugin.synthesize"); }
  }
  void cancel(uint64_t id) override {
    py::gil_scoped_acquire gil;
    try {
      if (py::hasattr(o_.get(), "cancel")) o_.get().attr("cancel")(id);
    } catch (py::error_already_set &e) { report(e, "TtsPlugin.cancel"); }
  }

 private:
  PyRef o_;
};

class PyLlm final : public callagent::LlmPlugin {
 public:
  explicit PyLlm(py::object o) : o_(std::move(o)) {}
  void start(uint64_t id, const callagent::LlmRequest &r, callagent::LlmSink sink) override {
    py::gil_scoped_acquire gil;
    try {
      o_.get().attr("start")(id, r, std::move(sink));
    } catch (py::error_already_set &e) { report(e, "LlmPlugin.start"); }
  }
  void cancel(uint64_t id) override {
    py::gil_scoped_acquire gil;
    try {
      if (py::hasattr(o_.get(), "cancel")) o_.get().attr("cancel")(id);
    } catch (py::error_already_set &e) { report(e, "LlmPlugin.cancel"); }
  }

 private:
  PyRef o_;
};

class PyTool final : public callagent::ToolPlugin {
 public:
  explicit PyTool(py::object o) : o_(std::move(o)) {}
  void invoke(uint64_t id, const std::string &args, const callagent::ToolContext &c, callagent::ToolSink sink) override {
    py::gil_scoped_acquire gil;
    try {
      o_.get().attr("invoke")(id, args, c, std::move(sink));
    } catch (py::error_already_set &e) { report(e, "ToolPlugin.invoke"); }
  }
  void cancel(uint64_t id) override {
    py::gil_scoped_acquire gil;
    try {
      if (py::hasattr(o_.get(), "cancel")) o_.get().attr("cancel")(id);
    } catch (py::error_already_set &e) { report(e, "ToolPlugin.cancel"); }
  }

 private:
  PyRef o_;
};

// An event copied into a dict (the callback's views die with it).
py::dict event_dict(const callagent::Event &e) {
  py::dict d;
  d["type"] = e.type_name();
  d["state"] = ca_state_name(e.state);
  d["text"] = std::string(e.text);
  d["detail"] = std::string(e.detail);
  d["ok"] = e.ok;
  d["recoverable"] = e.recoverable;
  d["time_ns"] = e.time_ns;
  if (e.timeline != nullptr) d["timeline"] = timeline_dict(*e.timeline);
  return d;
}

// A session and the Python callable its events go to. Driven by one Python thread; the GIL is
// released while the library works and taken back for plug-ins and the callback.
class PySession {
 public:
  PySession(const callagent::Engine &engine, callagent::SessionOptions options, py::object on_event)
      : on_event_(std::make_shared<PyRef>(std::move(on_event))) {
    if (!on_event_->get().is_none()) {
      options.on_event = [cb = on_event_](const callagent::Event &e) {
        py::gil_scoped_acquire gil;
        try {
          cb->get()(event_dict(e));
        } catch (py::error_already_set &err) { report(err, "Session on_event"); }
      };
    }
    callagent::Status st;
    {
      py::gil_scoped_release nogil;
      st = callagent::Session::create(engine, std::move(options), s_);
    }
    check(st);
  }
  ~PySession() { close(); }
  void close() {
    py::gil_scoped_release nogil;
    s_.reset();
  }

  void push_audio(const py::object &frame) {
    const std::vector<int16_t> pcm = pcm_from(frame);
    check(s_.push_audio(pcm));
  }
  void push_dtmf(const std::string &digit) {
    if (digit.size() != 1) throw std::invalid_argument("one DTMF digit");
    check(s_.push_dtmf(digit[0]));
  }
  void push_played(uint64_t samples) { check(s_.push_played(samples)); }
  void push_hangup() { check(s_.push_hangup()); }
  void push_transfer_result(bool ok) { check(s_.push_transfer_result(ok)); }
  void process(int64_t now_ns) {
    callagent::Status st;
    {
      py::gil_scoped_release nogil;
      st = s_.process(now_ns);
    }
    check(st);
  }
  py::tuple pull_audio() {
    std::vector<int16_t> out;
    bool has_audio = false;
    callagent::Status st;
    {
      py::gil_scoped_release nogil;
      st = s_.pull_audio(out, has_audio);
    }
    check(st);
    return py::make_tuple(pcm_bytes(out.data(), out.size()), has_audio);
  }
  int64_t next_deadline() const { return s_.next_deadline(); }
  void interrupt() { check(s_.interrupt()); }
  std::string state() const { return ca_state_name(s_.state()); }
  std::string call_id() const { return std::string(s_.call_id()); }
  size_t frame_samples() const { return s_.frame_samples(); }
  py::dict stats() const {
    ca_session_stats st;
    check(s_.stats(st));
    return stats_dict(st);
  }

 private:
  std::shared_ptr<PyRef> on_event_;
  callagent::Session s_;
};

}  // namespace

py::dict stats_dict(const ca_session_stats &s) {
  py::dict d;
  d["frames_in"] = s.frames_in;
  d["frames_out"] = s.frames_out;
  d["frames_silent"] = s.frames_silent;
  d["turns"] = s.turns;
  d["barge_ins"] = s.barge_ins;
  d["barge_in_resumes"] = s.barge_in_resumes;
  d["llm_requests"] = s.llm_requests;
  d["tool_calls"] = s.tool_calls;
  d["fillers"] = s.fillers;
  d["llm_input_tokens"] = s.llm_input_tokens;
  d["llm_output_tokens"] = s.llm_output_tokens;
  d["stt_audio_ms"] = s.stt_audio_ms;
  d["tts_characters"] = s.tts_characters;
  return d;
}

py::dict timeline_dict(const ca_turn_timeline &t) {
  py::dict tl;
  tl["turn"] = t.turn;
  tl["speech_end_ns"] = t.speech_end_ns;
  tl["stt_final_ns"] = t.stt_final_ns;
  tl["llm_request_ns"] = t.llm_request_ns;
  tl["llm_first_token_ns"] = t.llm_first_token_ns;
  tl["first_clause_ns"] = t.first_clause_ns;
  tl["tts_first_audio_ns"] = t.tts_first_audio_ns;
  tl["first_frame_ready_ns"] = t.first_frame_ready_ns;
  return tl;
}

void bind_engine(py::module_ &m) {
  py::class_<callagent::SttParams>(m, "SttParams", "How a recognition stream should work (ca_stt_params).")
      .def_readonly("sample_rate", &callagent::SttParams::sample_rate)
      .def_readonly("language", &callagent::SttParams::language)
      .def_readonly("alternatives", &callagent::SttParams::alternatives)
      .def_readonly("hints", &callagent::SttParams::hints);
  py::class_<callagent::TtsRequest>(m, "TtsRequest", "One clause to speak (ca_tts_request).")
      .def_readonly("text", &callagent::TtsRequest::text)
      .def_readonly("language", &callagent::TtsRequest::language)
      .def_readonly("voice", &callagent::TtsRequest::voice)
      .def_readonly("sample_rate", &callagent::TtsRequest::sample_rate);
  py::class_<callagent::ToolCall>(m, "ToolCall")
      .def_readonly("id", &callagent::ToolCall::id)
      .def_readonly("name", &callagent::ToolCall::name)
      .def_readonly("arguments_json", &callagent::ToolCall::arguments_json);
  py::class_<callagent::Message>(m, "Message")
      .def_property_readonly("role",
                             [](const callagent::Message &msg) {
                               switch (msg.role) {
                                 case callagent::Role::system: return "system";
                                 case callagent::Role::user: return "user";
                                 case callagent::Role::assistant: return "assistant";
                                 case callagent::Role::tool: return "tool";
                               }
                               return "unknown";
                             })
      .def_readonly("text", &callagent::Message::text)
      .def_readonly("tool_calls", &callagent::Message::tool_calls)
      .def_readonly("tool_call_id", &callagent::Message::tool_call_id)
      .def_readonly("tool_name", &callagent::Message::tool_name)
      .def_readonly("tool_error", &callagent::Message::tool_error);
  py::class_<callagent::ToolSchema>(m, "ToolSchema")
      .def_readonly("name", &callagent::ToolSchema::name)
      .def_readonly("description", &callagent::ToolSchema::description)
      .def_readonly("parameters_json", &callagent::ToolSchema::parameters_json);
  py::class_<callagent::LlmRequest>(m, "LlmRequest", "One LLM round (ca_llm_request).")
      .def_readonly("system_prompt", &callagent::LlmRequest::system_prompt)
      .def_readonly("messages", &callagent::LlmRequest::messages)
      .def_readonly("tools", &callagent::LlmRequest::tools);
  py::class_<callagent::ToolContext>(m, "ToolContext")
      .def_readonly("call_id", &callagent::ToolContext::call_id)
      .def_readonly("caller_number", &callagent::ToolContext::caller_number)
      .def_readonly("idempotency_key", &callagent::ToolContext::idempotency_key);

  // Sinks: any thread may call them (they only enqueue); each returns at once.
  py::class_<callagent::SttSink>(m, "SttSink", "Where a recognition stream's results go; any thread.")
      .def_property_readonly("id", &callagent::SttSink::id)
      .def("interim", [](const callagent::SttSink &s, const std::string &text, double confidence) {
             check(s.interim(text, confidence));
           }, py::arg("text"), py::arg("confidence") = 0.0)
      .def("final", [](const callagent::SttSink &s, const std::string &text, double confidence, const std::string &lang) {
             check(s.final(text, confidence, lang.empty() ? nullptr : lang.c_str()));
           }, py::arg("text"), py::arg("confidence") = 0.0, py::arg("language") = "")
      .def("done", [](const callagent::SttSink &s) { check(s.done()); })
      .def("error", [](const callagent::SttSink &s, const std::string &message) { check(s.error(message)); });
  py::class_<callagent::TtsSink>(m, "TtsSink", "Where synthesised audio goes; any thread.")
      .def_property_readonly("id", &callagent::TtsSink::id)
      .def("audio", [](const callagent::TtsSink &s, const py::object &pcm, int sample_rate) {
             check(s.audio(pcm_from(pcm), sample_rate));
           }, py::arg("pcm"), py::arg("sample_rate"), "PCM16 mono as bytes (native order) or a sequence of ints.")
      .def("done", [](const callagent::TtsSink &s) { check(s.done()); })
      .def("error", [](const callagent::TtsSink &s, const std::string &message) { check(s.error(message)); });
  py::class_<callagent::LlmSink>(m, "LlmSink", "Where an LLM round's output goes; any thread.")
      .def_property_readonly("id", &callagent::LlmSink::id)
      .def("text", [](const callagent::LlmSink &s, const std::string &delta) { check(s.text(delta)); })
      .def("tool_call", [](const callagent::LlmSink &s, const std::string &id, const std::string &name,
                           const std::string &args) { check(s.tool_call(id, name, args)); },
           py::arg("call_id"), py::arg("name"), py::arg("arguments_json"))
      .def("done", [](const callagent::LlmSink &s, int64_t in, int64_t out) { check(s.done(in, out)); },
           py::arg("input_tokens") = 0, py::arg("output_tokens") = 0)
      .def("error", [](const callagent::LlmSink &s, const std::string &message) { check(s.error(message)); });
  py::class_<callagent::ToolSink>(m, "ToolSink", "Where a tool's one result goes; any thread.")
      .def_property_readonly("id", &callagent::ToolSink::id)
      .def("result", [](const callagent::ToolSink &s, bool ok, const std::string &json, const std::string &action,
                        const std::string &reason) {
             int a = CA_TOOL_ACTION_NONE;
             if (action == "transfer") a = CA_TOOL_ACTION_TRANSFER;
             else if (action == "hangup") a = CA_TOOL_ACTION_HANGUP;
             else if (action != "none") throw std::invalid_argument("action is 'none', 'transfer' or 'hangup'");
             check(s.result(ok, json, a, reason));
           }, py::arg("ok"), py::arg("json"), py::arg("action") = "none", py::arg("reason") = "");

  py::class_<callagent::Engine>(m, "Engine",
                                "The registry of plug-ins (ca_engine_t). Plug-ins are any Python objects with the "
                                "methods of their kind; they run on the thread that drives the session.")
      .def(py::init([]() {
        auto e = std::make_unique<callagent::Engine>();
        check(callagent::Engine::create(*e));
        return e;
      }))
      .def("load_config", [](callagent::Engine &e, const std::string &path) {
             check(callagent::Status(ca_engine_load_config(e.get(), path.empty() ? nullptr : path.c_str())));
           }, py::arg("path"), "Loads a TOML configuration ('' : the environment only); builds its plug-in sections.")
      .def("register_stt", [](callagent::Engine &e, const std::string &name, py::object o) {
             check(e.register_stt(name, std::make_shared<PyStt>(std::move(o))));
           }, py::arg("name"), py::arg("plugin"), "plugin.open(stream, SttParams, SttSink), push(stream, bytes), "
           "finish(stream), optional cancel(stream).")
      .def("register_tts", [](callagent::Engine &e, const std::string &name, py::object o) {
             check(e.register_tts(name, std::make_shared<PyTts>(std::move(o))));
           }, py::arg("name"), py::arg("plugin"), "plugin.synthesize(id, TtsRequest, TtsSink), optional cancel(id).")
      .def("register_llm", [](callagent::Engine &e, const std::string &name, py::object o) {
             check(e.register_llm(name, std::make_shared<PyLlm>(std::move(o))));
           }, py::arg("name"), py::arg("plugin"), "plugin.start(id, LlmRequest, LlmSink), optional cancel(id).")
      .def("register_tool", [](callagent::Engine &e, const std::string &name, py::object o, const std::string &description,
                               const std::string &parameters_json, bool side_effecting, const std::string &wait_phrase,
                               const std::string &speech_words_json) {
             callagent::ToolSpec spec;
             spec.name = name;
             spec.description = description;
             if (!parameters_json.empty()) spec.parameters_json = parameters_json;
             spec.side_effecting = side_effecting;
             spec.wait_phrase = wait_phrase;
             spec.speech_words_json = speech_words_json;
             check(e.register_tool(spec, std::make_shared<PyTool>(std::move(o))));
           }, py::arg("name"), py::arg("plugin"), py::kw_only(), py::arg("description") = "",
           py::arg("parameters_json") = "", py::arg("side_effecting") = false, py::arg("wait_phrase") = "",
           py::arg("speech_words_json") = "",
           "plugin.invoke(id, arguments_json, ToolContext, ToolSink), optional cancel(id). speech_words_json: "
           "the words callers use for its arguments ({\"brands\": [...], \"cities\": [...]}), which the "
           "recognisers get as hints once a configuration is loaded.");

  py::class_<PySession>(m, "Session",
                        "One call (ca_session_t), driven by the thread that created it: push caller audio, "
                        "process(now_ns), pull_audio(). Times are the caller's clock in nanoseconds.")
      .def(py::init([](const callagent::Engine &engine, const std::string &stt, const std::string &tts,
                       const std::string &llm, std::optional<std::vector<std::string>> tools, int sample_rate,
                       const std::string &language, const std::string &greeting, bool greeting_interruptible,
                       const std::string &system_prompt, const std::string &call_id, const std::string &caller_number,
                       const std::string &called_number, py::object on_event) {
             callagent::SessionOptions o;
             o.stt = stt;
             o.tts = tts;
             o.llm = llm;
             o.tools = std::move(tools);
             o.sample_rate = sample_rate;
             o.language = language;
             o.greeting = greeting;
             o.greeting_interruptible = greeting_interruptible;
             o.system_prompt = system_prompt;
             o.call_id = call_id;
             o.caller_number = caller_number;
             o.called_number = called_number;
             return std::make_unique<PySession>(engine, std::move(o), std::move(on_event));
           }),
           py::arg("engine"), py::kw_only(), py::arg("stt") = "", py::arg("tts") = "", py::arg("llm") = "",
           py::arg("tools") = py::none(), py::arg("sample_rate") = 8000, py::arg("language") = "",
           py::arg("greeting") = "", py::arg("greeting_interruptible") = false, py::arg("system_prompt") = "",
           py::arg("call_id") = "", py::arg("caller_number") = "", py::arg("called_number") = "",
           py::arg("on_event") = py::none(),
           "stt/tts/llm '' : the configured defaults; tools None: the configured list or every tool.")
      .def("close", &PySession::close, "Destroys the session now (also done when the object goes).")
      .def("push_audio", &PySession::push_audio, py::arg("frame"), "One 20 ms frame of PCM16 (bytes or ints).")
      .def("push_dtmf", &PySession::push_dtmf, py::arg("digit"))
      .def("push_played", &PySession::push_played, py::arg("samples"))
      .def("push_hangup", &PySession::push_hangup)
      .def("push_transfer_result", &PySession::push_transfer_result, py::arg("ok"))
      .def("process", &PySession::process, py::arg("now_ns"))
      .def("pull_audio", &PySession::pull_audio, "The next outbound frame: (bytes, has_bot_audio).")
      .def("next_deadline", &PySession::next_deadline)
      .def("interrupt", &PySession::interrupt)
      .def("stats", &PySession::stats)
      .def_property_readonly("state", &PySession::state)
      .def_property_readonly("call_id", &PySession::call_id)
      .def_property_readonly("frame_samples", &PySession::frame_samples);
}
