/*
 * libcallagent — the C ABI.
 *
 * This header is the specification of the library's stable interface. Every exported symbol
 * starts with `ca_`, every macro and enum value with `CA_` or `CALLAGENT_`; nothing else leaves
 * the shared library.
 *
 * Versioning: CALLAGENT_VERSION_MAJOR changes only when the ABI breaks (and then the SONAME
 * changes with it); MINOR grows when functions or struct tail fields are added; PATCH is for
 * fixes. CALLAGENT_VERSION packs the three as MAJOR * 10000 + MINOR * 100 + PATCH.
 *
 * Rules that hold for every declaration below:
 *
 *  - Objects are opaque handles. Each has exactly one `ca_x_create(..., ca_x_t **out)` and one
 *    `void ca_x_destroy(ca_x_t *)`; destroy accepts NULL and does nothing with it.
 *  - Every struct that crosses the ABI starts with `uint32_t struct_size`, which the side that
 *    fills the struct sets to `sizeof` the struct it was compiled with. Structs only ever grow at
 *    their tail. Params structs get their defaults from `ca_x_default_params(p, sizeof *p)`.
 *    A struct whose struct_size is smaller than the first published version of that struct is
 *    rejected with CA_ERR_INVALID_ARGUMENT; fields past a smaller struct_size read as defaults.
 *  - Arrays of structs that may grow are passed as arrays of pointers, so that a plug-in built
 *    against an older header never indexes them with the wrong stride.
 *  - Functions return a ca_status: CA_OK (0) on success, a negative code on failure. A failing
 *    call stores a human-readable detail that ca_last_error() returns on the same thread.
 *    Failures that happen later, inside the session, arrive as CA_EVENT_ERROR events.
 *  - No C++ exception, longjmp or signal crosses this interface: every entry point catches
 *    everything and maps it to CA_ERR_NO_MEMORY or CA_ERR_INTERNAL.
 *  - Inputs are borrowed for the duration of the call; whatever the library keeps, it copies.
 *    Strings are NUL-terminated UTF-8 unless a length is passed with them.
 *  - Data the library hands to a callback or a plug-in (strings, arrays, structs) lives only
 *    during that call; copy what you keep.
 *  - Every callback and every plug-in entry receives the `void *user_data` registered with it.
 *  - Threading: an engine may be used from any thread. A session has an owning thread, the one
 *    that drives it with push, process and pull; its event callback runs on that thread. Sink
 *    functions, ca_session_interrupt and the sink reference functions may be called from any
 *    thread and only enqueue work for the owning thread.
 */
#ifndef CALLAGENT_CALLAGENT_H
#define CALLAGENT_CALLAGENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CALLAGENT_VERSION_MAJOR 0
#define CALLAGENT_VERSION_MINOR 4
#define CALLAGENT_VERSION_PATCH 0
#define CALLAGENT_VERSION \
  (CALLAGENT_VERSION_MAJOR * 10000 + CALLAGENT_VERSION_MINOR * 100 + CALLAGENT_VERSION_PATCH)

#if defined(CALLAGENT_BUILDING)
#define CA_API __attribute__((visibility("default")))
#else
#define CA_API
#endif

/* ============================================================================================
 * Version
 * ========================================================================================== */

/*
 * The version of the library actually loaded, packed as CALLAGENT_VERSION is. A program built
 * against this header may compare the two: the same MAJOR means the ABI matches.
 * Thread-safe; may be called at any time.
 */
CA_API uint32_t ca_version(void);

/*
 * The same version as a static string "MAJOR.MINOR.PATCH". Never NULL; never freed.
 */
CA_API const char *ca_version_string(void);

/* ============================================================================================
 * Status codes and errors
 * ========================================================================================== */

/* The result of a call: CA_OK or one of the negative CA_ERR_* codes. Codes are never renumbered
 * or reused; new ones get new numbers. */
typedef int ca_status;

enum ca_status_code {
  CA_OK = 0,
  CA_ERR_INVALID_ARGUMENT = -1, /* a NULL, out-of-range or malformed argument */
  CA_ERR_NOT_FOUND = -2,        /* a name that is not registered */
  CA_ERR_STATE = -3,            /* the object cannot do this now (e.g. re-entered from a callback) */
  CA_ERR_CONFIG = -4,           /* a configuration that cannot work */
  CA_ERR_IO = -5,
  CA_ERR_NO_MEMORY = -6,
  CA_ERR_UNSUPPORTED = -7,
  CA_ERR_TIMEOUT = -8,
  CA_ERR_INTERNAL = -9 /* a bug in the library; ca_last_error() says where */
};

/*
 * A static English name of a status ("ok", "invalid argument", ...); "unknown status" for a
 * value that is not a ca_status. Never NULL. Thread-safe.
 */
CA_API const char *ca_status_string(ca_status status);

/*
 * The detail of the last failure of a ca_* call on the calling thread (thread-local). Never
 * NULL: "" before any failure. A successful call leaves it unchanged; the next failing call on
 * the same thread overwrites it, so copy it if you keep it.
 */
CA_API const char *ca_last_error(void);

/* ============================================================================================
 * Sinks: where plug-ins deliver their results
 * ========================================================================================== */

/*
 * A sink is handed to a plug-in with each request (an STT stream, a TTS synthesis, an LLM
 * round, a tool invocation) and carries that request's results to the session.
 *
 * Ownership: the plug-in receives one reference with each request and must drop it with
 * ca_sink_release() after its last result for that request (done or error; the tool result), or
 * when it decides to deliver nothing more (for example after a cancel). ca_sink_retain() adds a
 * reference, e.g. for a second thread. A sink stays valid while a reference is held, even after
 * the session is destroyed: results delivered then are dropped and the functions return CA_OK.
 *
 * Threading: every ca_sink_* function may be called from any thread, including from inside the
 * plug-in entry that received the sink. They copy their inputs, only enqueue, and never call back
 * into the plug-in.
 *
 * The `id` passed to a result function must be the id of the request the sink was handed with,
 * and the function must belong to that request's kind (STT results on an STT sink, ...);
 * otherwise it returns CA_ERR_INVALID_ARGUMENT and delivers nothing.
 */
typedef struct ca_sink ca_sink_t;

/* Adds a reference. NULL is ignored. Any thread. */
CA_API void ca_sink_retain(ca_sink_t *sink);
/* Drops a reference; the last one frees the sink. NULL is ignored. Any thread. */
CA_API void ca_sink_release(ca_sink_t *sink);

/* ---- speech recognition results (STT sinks) ---- */

/*
 * A hypothesis that may still change. `text` is required; `confidence` is 0..1 (0: unknown);
 * `language` is the BCP-47 primary tag detected, or NULL.
 */
CA_API ca_status ca_sink_stt_interim(ca_sink_t *sink, uint64_t stream_id, const char *text, double confidence,
                                     const char *language);
/* A stable transcript of a segment; an utterance may have several. Arguments as for interim. */
CA_API ca_status ca_sink_stt_final(ca_sink_t *sink, uint64_t stream_id, const char *text, double confidence,
                                   const char *language);
/* The stream is finished: no more results for this id. */
CA_API ca_status ca_sink_stt_done(ca_sink_t *sink, uint64_t stream_id);
/* The stream failed; `message` (required) says why. No more results for this id. */
CA_API ca_status ca_sink_stt_error(ca_sink_t *sink, uint64_t stream_id, const char *message);

/* ---- speech synthesis results (TTS sinks) ---- */

/*
 * PCM16 mono audio as it is produced, in order, any number of samples per call. `pcm` may be
 * NULL only when n is 0. `sample_rate` must be 4000..192000; a rate other than the session's is
 * resampled.
 */
CA_API ca_status ca_sink_tts_audio(ca_sink_t *sink, uint64_t request_id, const int16_t *pcm, size_t n,
                                   int sample_rate);
/* All audio of the request has been delivered. */
CA_API ca_status ca_sink_tts_done(ca_sink_t *sink, uint64_t request_id);
/* The synthesis failed; `message` (required) says why. No more results for this id. */
CA_API ca_status ca_sink_tts_error(ca_sink_t *sink, uint64_t request_id, const char *message);

/* ---- language model results (LLM sinks) ---- */

/* A piece of the answer's text: `len` bytes at `delta` (no NUL needed). `delta` may be NULL only
 * when len is 0. */
CA_API ca_status ca_sink_llm_text(ca_sink_t *sink, uint64_t request_id, const char *delta, size_t len);
/*
 * The model asks for a tool. `call_id` is the model's id for the call (NULL or "": the session
 * assigns one); `name` is required; `arguments_json` is a JSON object (NULL: "{}").
 */
CA_API ca_status ca_sink_llm_tool_call(ca_sink_t *sink, uint64_t request_id, const char *call_id,
                                       const char *name, const char *arguments_json);
/* The round is complete; token counts are for accounting (0: unknown). */
CA_API ca_status ca_sink_llm_done(ca_sink_t *sink, uint64_t request_id, int64_t input_tokens,
                                  int64_t output_tokens);
/* The round failed; `message` (required) says why. No more results for this id. */
CA_API ca_status ca_sink_llm_error(ca_sink_t *sink, uint64_t request_id, const char *message);

/* ---- tool results (tool sinks) ---- */

/* What the call should do once a tool's result is in. */
enum ca_tool_action {
  CA_TOOL_ACTION_NONE = 0,
  CA_TOOL_ACTION_TRANSFER = 1, /* hand the caller to an operator */
  CA_TOOL_ACTION_HANGUP = 2    /* end the call after the bot's reply */
};

/*
 * The result of an invocation: `ok` non-zero for success; `json` is the result (or error) as a
 * JSON value (NULL: "null"); `action` is a CA_TOOL_ACTION_*; `reason` explains the action (may
 * be NULL). One result per invocation; later ones are ignored by the session.
 */
CA_API ca_status ca_sink_tool_result(ca_sink_t *sink, uint64_t invocation_id, int ok, const char *json,
                                     int action, const char *reason);

/* ============================================================================================
 * Plug-ins: providers and tools written against C vtables
 * ========================================================================================== */

/*
 * A plug-in is a vtable struct: struct_size, user_data, entries, and an optional destroy. The
 * engine copies the vtable when it is registered (the caller's struct may go away at once).
 *
 * Every entry is called on the owning thread of the session that uses the plug-in (from inside
 * ca_session_process, ca_session_pull_audio or ca_session_destroy), must return promptly without
 * blocking, and delivers its results later (or at once) through the sink. An entry receives
 * requests of every session created with the plug-in, so a plug-in used by several sessions on
 * different threads must make its own state thread-safe. Ids are unique within the process (each
 * session takes its own range), so a plug-in shared by sessions can key its state and cancel() by
 * id alone. Cancelling an unknown or finished id must be harmless.
 *
 * `destroy(user_data)` (may be NULL) is called exactly once, when the engine has been destroyed
 * and no session created from it uses the plug-in any more. If registration fails, the engine
 * keeps nothing and never calls destroy.
 */

/* ---- speech recognition ---- */

/* How a stream should be recognised. */
typedef struct ca_stt_params {
  uint32_t struct_size;
  int sample_rate;                  /* of the audio that push() delivers (the session's rate) */
  const char *language;             /* BCP-47 primary tag ("uk", "ru", "en"); never NULL */
  const char *const *alternatives;  /* other languages the caller may speak */
  size_t alternative_count;
  /* Phrase hints: words callers are likely to say. After a configuration is loaded (see
   * ca_engine_load_config), the tools' words come here too, after the stream's own: the tyre
   * shop's brands, models, sizes, cities, stations and cars, and every speech_words_json. */
  const char *const *hints;
  size_t hint_count;
} ca_stt_params;

typedef struct ca_stt_vtable {
  uint32_t struct_size;
  void *user_data;
  /* Required. A new stream (one caller utterance). The plug-in owns one reference to `sink`. */
  void (*open)(void *user_data, uint64_t stream_id, const ca_stt_params *params, ca_sink_t *sink);
  /* Required. Audio of the stream, in order; `pcm` lives only during the call. */
  void (*push)(void *user_data, uint64_t stream_id, const int16_t *pcm, size_t n);
  /* Required. No more audio: deliver the last final(s), then done. */
  void (*finish)(void *user_data, uint64_t stream_id);
  /* May be NULL. The session no longer wants results of the stream. */
  void (*cancel)(void *user_data, uint64_t stream_id);
  /* May be NULL. See above. */
  void (*destroy)(void *user_data);
} ca_stt_vtable;

/* ---- speech synthesis ---- */

/* One clause to speak. */
typedef struct ca_tts_request {
  uint32_t struct_size;
  const char *text;      /* never NULL */
  const char *language;  /* never NULL */
  const char *voice;     /* never NULL; "": the plug-in's default for the language */
  int sample_rate;       /* preferred rate; the plug-in may answer at another one */
} ca_tts_request;

typedef struct ca_tts_vtable {
  uint32_t struct_size;
  void *user_data;
  /* Required. Synthesise `request`; the plug-in owns one reference to `sink`. */
  void (*synthesize)(void *user_data, uint64_t request_id, const ca_tts_request *request, ca_sink_t *sink);
  /* May be NULL. */
  void (*cancel)(void *user_data, uint64_t request_id);
  /* May be NULL. */
  void (*destroy)(void *user_data);
} ca_tts_vtable;

/* ---- language model ---- */

/* Roles of messages, in the order of the library's conversation. */
enum ca_role { CA_ROLE_SYSTEM = 0, CA_ROLE_USER = 1, CA_ROLE_ASSISTANT = 2, CA_ROLE_TOOL = 3 };

/* A tool call an assistant message asked for. */
typedef struct ca_tool_call {
  uint32_t struct_size;
  const char *id;              /* never NULL */
  const char *name;            /* never NULL */
  const char *arguments_json;  /* never NULL; a JSON object as the model produced it */
} ca_tool_call;

/* One message of the conversation. Strings are never NULL ("" when not applicable). */
typedef struct ca_message {
  uint32_t struct_size;
  int role;                               /* CA_ROLE_* */
  const char *text;                       /* user and assistant text (assistant: as heard) */
  const ca_tool_call *const *tool_calls;  /* assistant: the tools it asked for */
  size_t tool_call_count;
  const char *tool_call_id;               /* tool: the call this result answers */
  const char *tool_name;                  /* tool */
  int tool_error;                         /* tool: non-zero when the result is an error */
} ca_message;

/* What the model is told about a tool. */
typedef struct ca_tool_schema {
  uint32_t struct_size;
  const char *name;
  const char *description;
  const char *parameters_json; /* a JSON Schema object */
} ca_tool_schema;

/* One round: everything lives only during the start() call. */
typedef struct ca_llm_request {
  uint32_t struct_size;
  const char *system_prompt;                /* never NULL */
  const ca_message *const *messages;        /* oldest first */
  size_t message_count;
  const ca_tool_schema *const *tools;
  size_t tool_count;
} ca_llm_request;

typedef struct ca_llm_vtable {
  uint32_t struct_size;
  void *user_data;
  /* Required. Start a round; the plug-in owns one reference to `sink`. */
  void (*start)(void *user_data, uint64_t request_id, const ca_llm_request *request, ca_sink_t *sink);
  /* May be NULL. */
  void (*cancel)(void *user_data, uint64_t request_id);
  /* May be NULL. */
  void (*destroy)(void *user_data);
} ca_llm_vtable;

/* ---- tools ---- */

/* Who is asking, for a tool invocation. Strings are never NULL. */
typedef struct ca_tool_context {
  uint32_t struct_size;
  const char *call_id;          /* the phone call (ca_session_params.call_id) */
  const char *caller_number;
  /* Derived from (call, tool, canonical arguments): a model that retries the same call gets the
   * same key, so a side-effecting tool can refuse to act twice. */
  const char *idempotency_key;
} ca_tool_context;

typedef struct ca_tool_vtable {
  uint32_t struct_size;
  void *user_data;
  const char *name;             /* required; unique within the engine */
  const char *description;      /* may be NULL: "" */
  const char *parameters_json;  /* may be NULL: {"type":"object","properties":{}} */
  int side_effecting;           /* non-zero: never cancelled by a barge-in */
  const char *wait_phrase;      /* may be NULL: said while it runs; NULL or "": the generic one */
  /* Required. Run the tool; the plug-in owns one reference to `sink` and delivers exactly one
   * ca_sink_tool_result. `arguments_json` is the model's JSON object. */
  void (*invoke)(void *user_data, uint64_t invocation_id, const char *arguments_json,
                 const ca_tool_context *context, ca_sink_t *sink);
  /* May be NULL. Only tools that are not side-effecting are ever cancelled. */
  void (*cancel)(void *user_data, uint64_t invocation_id);
  /* May be NULL. */
  void (*destroy)(void *user_data);
  /*
   * Since 0.4. May be NULL. The words callers use for this tool's arguments, as the tool's data
   * writes them (any script), for the engine's recognisers: a JSON object with any of the arrays
   * "brands", "models", "sizes", "cities", "places" and "vehicles" of strings, e.g.
   * {"brands":["Michelin"],"cities":["Київ"]}. Copied when the tool is registered (text that is
   * not such an object: CA_ERR_INVALID_ARGUMENT); handed to the recognisers when a configuration is
   * loaded (see ca_engine_load_config).
   */
  const char *speech_words_json;
} ca_tool_vtable;

/* ============================================================================================
 * Engine: the registry of plug-ins, and the process-wide log
 * ========================================================================================== */

typedef struct ca_engine ca_engine_t;

/* Log levels. */
enum ca_log_level {
  CA_LOG_UNCHANGED = -1, /* leave the process-wide level as it is */
  CA_LOG_TRACE = 0,
  CA_LOG_DEBUG = 1,
  CA_LOG_INFO = 2,
  CA_LOG_WARN = 3,
  CA_LOG_ERROR = 4,
  CA_LOG_OFF = 5
};

/*
 * Receives one log line: a JSON object without the trailing newline, valid only during the
 * call. Called from any thread the library logs on, possibly concurrently. It must not call
 * ca_engine_destroy; lines the library would log from inside the callback are dropped.
 */
typedef void (*ca_log_fn)(int level, const char *json_line, void *user_data);

typedef struct ca_engine_params {
  uint32_t struct_size;
  /*
   * May be NULL: lines keep going to stderr. The library's log is process-wide: the callback of
   * the most recently created engine that set one receives every line of the process, and
   * destroying that engine sends lines back to stderr (after any call in progress returned).
   */
  ca_log_fn log;
  void *log_user_data;
  /* CA_LOG_*: the process-wide level set at creation. Default CA_LOG_UNCHANGED (info unless
   * changed). */
  int log_level;
} ca_engine_params;

/*
 * Fills `params` with the defaults: no callback, CA_LOG_UNCHANGED. `size` is sizeof *params as
 * the caller knows it; it is stored in struct_size. NULL or a size smaller than the first version
 * of the struct: CA_ERR_INVALID_ARGUMENT. Any thread.
 */
CA_API ca_status ca_engine_default_params(ca_engine_params *params, size_t size);

/*
 * Creates an engine. `params` may be NULL (defaults). On success *out is the engine; on failure
 * *out is NULL (when `out` is not NULL). Any thread.
 */
CA_API ca_status ca_engine_create(const ca_engine_params *params, ca_engine_t **out);

/*
 * Destroys an engine; NULL is ignored. Sessions created from it may outlive it: each keeps the
 * plug-ins it uses, whose destroy runs when the last of them is gone. Must not race with other
 * calls on the same engine.
 */
CA_API void ca_engine_destroy(ca_engine_t *engine);

/*
 * Registers a plug-in under `name` (required, non-empty, unique per kind within the engine).
 * A name already registered for the kind: CA_ERR_INVALID_ARGUMENT. A required entry that is
 * NULL, or a struct_size too small: CA_ERR_INVALID_ARGUMENT. Thread-safe (an engine has a lock).
 */
CA_API ca_status ca_engine_register_stt(ca_engine_t *engine, const char *name, const ca_stt_vtable *vtable);
CA_API ca_status ca_engine_register_tts(ca_engine_t *engine, const char *name, const ca_tts_vtable *vtable);
CA_API ca_status ca_engine_register_llm(ca_engine_t *engine, const char *name, const ca_llm_vtable *vtable);
/* A tool's name is vtable->name; the same rules apply. */
CA_API ca_status ca_engine_register_tool(ca_engine_t *engine, const ca_tool_vtable *vtable);

/* ---- factories: plug-ins built from configuration (since 0.2) ---- */

/* The kinds of plug-in. */
enum ca_plugin_kind { CA_PLUGIN_STT = 0, CA_PLUGIN_TTS = 1, CA_PLUGIN_LLM = 2, CA_PLUGIN_TOOL = 3 };

/*
 * Builds plug-ins of one type from configuration: a section [stt.NAME], [tts.NAME], [llm.NAME] or
 * [tools.NAME] whose `type` is the type this factory was registered under (see
 * ca_engine_load_config).
 */
typedef struct ca_factory {
  uint32_t struct_size;
  void *user_data;
  /*
   * Required. Builds the plug-in NAME of `kind` from `options_json`: the section's keys other than
   * `type`, as a JSON object (TOML dates and times as strings). `vtable` points at a zeroed
   * ca_stt_vtable, ca_tts_vtable, ca_llm_vtable or ca_tool_vtable, as `kind` says, whose
   * struct_size the library has set; fill it in as for the matching ca_engine_register_* (a tool's
   * name may stay NULL: it is then NAME). Return CA_OK, or a failure status with a message of what
   * is wrong with the options written to `error` (`error_size` bytes, NUL-terminated; the library
   * adds the file, line and NAME). A plug-in built with CA_OK is the engine's from then on: its
   * destroy entry runs when nothing uses it any more, also if the configuration fails to load
   * because of another section. Called on the thread that calls ca_engine_load_config.
   */
  ca_status (*create)(void *user_data, int kind, const char *name, const char *options_json, void *vtable,
                      char *error, size_t error_size);
  /* May be NULL. Called once, when the engine is destroyed and every plug-in built is gone. */
  void (*destroy)(void *user_data);
} ca_factory;

/*
 * Registers a factory for plug-ins of `kind` (CA_PLUGIN_*) and `type` (required, non-empty,
 * unique per kind within the engine; it may shadow a type the library builds itself, such as
 * "espeak" or "rule_based"). The struct is copied. A type already registered for the kind, an
 * unknown kind, a NULL create or a struct_size too small: CA_ERR_INVALID_ARGUMENT, and the engine
 * keeps nothing. Thread-safe. Register factories before loading the configuration that uses them.
 */
CA_API ca_status ca_engine_register_factory(ca_engine_t *engine, int kind, const char *type, const ca_factory *factory);

/*
 * Loads a TOML configuration file (the format of `callagent serve --config`, see README.md) and
 * the CALLAGENT_<SECTION>_<KEY> environment variables; `path` NULL: the environment alone. Its
 * [session] section becomes the default of every session created from the engine afterwards: a
 * ca_session_params field left at 0 or NULL takes the configured value (sample rate, ids and
 * plug-in names are per session and not configured here). On failure nothing changes and the
 * status is CA_ERR_CONFIG, with ca_last_error() naming the file and line (or the variable) and
 * what is wrong; an unknown section or key is such an error. Loading again replaces the
 * defaults.
 *
 * Sections [stt.NAME], [tts.NAME], [llm.NAME] and [tools.NAME] build plug-ins: `type` names a
 * factory (one registered with ca_engine_register_factory, else one of the library's own), the
 * other keys are its options, and the plug-in is registered under NAME (a tools section registers
 * the tools it builds under their own names). An unknown type or options the factory refuses are
 * CA_ERR_CONFIG naming the section. A NAME already registered by the application with
 * ca_engine_register_* is CA_ERR_CONFIG. Loading again replaces what the previous configuration
 * built (sessions created before keep theirs). [session] stt, tts, llm (names) and tools (a list
 * of names) are what ca_session_create uses when its params leave them NULL.
 * Then every tool's words (the library's tyre shop reports its store's catalogue; a C tool its
 * speech_words_json) go to every recogniser of the engine: the library's own build their models
 * from them or send them as phrase hints, a C plug-in finds them in ca_stt_params.hints (since
 * 0.4). A tool backed by a remote store is asked for them here, so loading may wait for it.
 * Must not race with other calls on the same engine.
 */
CA_API ca_status ca_engine_load_config(ca_engine_t *engine, const char *path);

/*
 * Since 0.2. Synthesises the session's fixed phrases — the greeting, fillers, wait, silence-ladder, transfer
 * and farewell phrases of the configured language ([session] language and greeting) — at
 * `sample_rate` with every TTS plug-in of the engine that keeps a phrase cache (the library's own
 * TTS types do), so the first calls find them ready. Waits up to `timeout_ms` (0: returns at once,
 * the work goes on). CA_ERR_TIMEOUT when not all were done in time (they still complete later);
 * CA_OK otherwise, also when no plug-in has a cache. Not on a session's thread: it may wait.
 */
CA_API ca_status ca_engine_prewarm(ca_engine_t *engine, int sample_rate, int timeout_ms);

/* ============================================================================================
 * Session: one phone call
 * ========================================================================================== */

typedef struct ca_session ca_session_t;

/* Session states, in the order of the library's state machine. */
enum ca_state {
  CA_STATE_IDLE = 0,         /* created, process() not called yet */
  CA_STATE_GREETING = 1,
  CA_STATE_LISTENING = 2,
  CA_STATE_THINKING = 3,
  CA_STATE_SPEAKING = 4,
  CA_STATE_TRANSFERRING = 5,
  CA_STATE_ENDED = 6
};

/* A static name of a state ("idle", "listening", ...); "unknown" otherwise. Never NULL. Any
 * thread. */
CA_API const char *ca_state_name(int state);

/* Event types, in the order of the library's events. */
enum ca_event_type {
  CA_EVENT_STATE_CHANGED = 0,      /* `state`: the new state */
  CA_EVENT_CALLER_INTERIM = 1,     /* `text`: a recognition hypothesis */
  CA_EVENT_CALLER_TURN = 2,        /* `text`: the caller's committed turn */
  CA_EVENT_BOT_CLAUSE = 3,         /* `text`: a clause queued for speech */
  CA_EVENT_BOT_HEARD = 4,          /* `text`: what the caller heard of the bot's reply: all of it
                                      once played, or the part played before a barge-in */
  CA_EVENT_BARGE_IN_MUTED = 5,
  CA_EVENT_BARGE_IN_RESUMED = 6,
  CA_EVENT_BARGE_IN_COMMITTED = 7,
  CA_EVENT_TOOL_STARTED = 8,       /* `text`: tool name, `detail`: arguments */
  CA_EVENT_TOOL_FINISHED = 9,      /* `text`: tool name, `detail`: result, `ok` */
  CA_EVENT_DTMF = 10,              /* `text`: the digit */
  CA_EVENT_TRANSFER_REQUESTED = 11, /* `text`: reason, `detail`: summary; answer with
                                       ca_session_push_transfer_result */
  CA_EVENT_HANGUP_REQUESTED = 12,  /* `text`: reason; the host should hang up */
  CA_EVENT_TURN_TIMELINE = 13,     /* `timeline` */
  CA_EVENT_ERROR = 14,             /* `text`: what failed, `recoverable` */
  CA_EVENT_FILLER = 15             /* `text` */
};

/* A static name of an event type ("state_changed", "caller_turn", ...); "unknown" otherwise.
 * Never NULL. Any thread. */
CA_API const char *ca_event_type_name(int type);

/* One turn's latencies, as session-clock times in nanoseconds (the `now` given to process);
 * 0: did not happen. */
typedef struct ca_turn_timeline {
  uint32_t struct_size;
  int turn;
  int64_t speech_end_ns;
  int64_t stt_final_ns;
  int64_t llm_request_ns;
  int64_t llm_first_token_ns;
  int64_t first_clause_ns;
  int64_t tts_first_audio_ns;
  int64_t first_frame_ready_ns;
} ca_turn_timeline;

/*
 * What the session tells its host. Strings are never NULL ("" when not applicable) and, like
 * the event itself, live only during the callback. The timeline is behind a pointer so that it
 * can grow without moving the fields that follow it.
 */
typedef struct ca_event {
  uint32_t struct_size;
  int type;         /* CA_EVENT_* */
  int state;        /* CA_STATE_*: the new state for STATE_CHANGED, else the current state */
  const char *text;
  const char *detail;
  int ok;           /* TOOL_FINISHED: non-zero when the tool succeeded; 1 otherwise */
  int recoverable;  /* ERROR: non-zero when the call goes on; 1 otherwise */
  int64_t time_ns;  /* the `now` of the process() call during or after which it was emitted */
  const ca_turn_timeline *timeline; /* TURN_TIMELINE only; NULL otherwise */
} ca_event;

/*
 * Receives the session's events, on its owning thread, from inside ca_session_process and
 * ca_session_pull_audio. From inside it, push/process/pull on the same session return
 * CA_ERR_STATE; ca_session_destroy is deferred until the outer call returns.
 */
typedef void (*ca_event_fn)(const ca_event *event, void *user_data);

/* The DTMF digit value of ca_session_params.operator_digit that disables the operator digit. */
#define CA_OPERATOR_DIGIT_NONE (-1)

typedef struct ca_session_params {
  uint32_t struct_size;
  const char *call_id;        /* NULL or "": a random UUID (see ca_session_call_id) */
  const char *caller_number;  /* NULL: "" */
  const char *called_number;  /* NULL: "" */
  /* The call's rate for audio in and out: 8000..48000 and a multiple of 50. Default 8000. */
  int sample_rate;
  const char *language;       /* NULL: "uk" */
  const char *system_prompt;  /* NULL: "" */
  const char *greeting;       /* NULL or "": the language's default greeting (with disclosure) */
  int greeting_interruptible; /* non-zero: the caller may barge in on the greeting */
  /* Registered plug-in names. NULL: the configured default ([session] stt, tts, llm of
   * ca_engine_load_config); CA_ERR_INVALID_ARGUMENT when there is none, CA_ERR_NOT_FOUND when the
   * name is not registered. */
  const char *stt;
  const char *tts;
  const char *llm;
  /* Names of registered tools the agent may use. NULL: the configured [session] tools, or when
   * none are configured every tool registered when the session is created; an unknown name:
   * CA_ERR_NOT_FOUND. */
  const char *const *tools;
  size_t tool_count;
  ca_event_fn on_event;       /* may be NULL: events are discarded */
  void *event_user_data;
  /* Timing overrides in milliseconds; 0: the library's default; negative: CA_ERR_INVALID_ARGUMENT. */
  int32_t end_of_turn_silence_ms;  /* default 600 */
  int32_t eager_start_silence_ms;  /* default 250 */
  int32_t barge_in_min_speech_ms;  /* default 80 */
  int32_t barge_in_commit_speech_ms; /* default 400 */
  int32_t silence_timeout_ms;      /* default 15000 */
  int32_t max_duration_ms;         /* default 900000 */
  int32_t filler_delay_ms;         /* default 600 */
  int32_t llm_timeout_ms;          /* default 45000 */
  int32_t tool_timeout_ms;         /* default 15000 */
  /* The DTMF digit that asks for an operator: one of "0123456789*#ABCD"; 0: the default '0';
   * CA_OPERATOR_DIGIT_NONE: none. */
  int operator_digit;
  /* May be NULL. Called from whichever thread a plug-in delivers a result on, when the session
   * had no result pending: the host should call ca_session_process soon, on the owning thread,
   * instead of waiting for its next 20 ms tick. It must not call into the session; it should only
   * signal the host's loop (an eventfd, uv_async_send, a condition variable). It runs under an
   * internal lock, so it is never called once ca_session_destroy has returned. */
  void (*on_wake)(void *user_data);
  void *wake_user_data;
} ca_session_params;

/*
 * Fills `params` with the defaults: 8000 Hz, every string and name NULL, all tools, no callback,
 * every timing 0 (the library's default), operator digit 0 ('0'). `size` is sizeof *params;
 * NULL or a size smaller than the first version of the struct: CA_ERR_INVALID_ARGUMENT. Any thread.
 */
CA_API ca_status ca_session_default_params(ca_session_params *params, size_t size);

/*
 * Creates a session with the engine's plug-ins named in `params` (required). The engine may be
 * destroyed before the session. On failure *out is NULL (when `out` is not NULL). Any thread; the
 * thread that drives the session afterwards is its owning thread.
 */
CA_API ca_status ca_session_create(ca_engine_t *engine, const ca_session_params *params, ca_session_t **out);

/*
 * Destroys a session; NULL is ignored. Cancels the plug-in work in flight (calling the plug-ins'
 * cancel entries on the calling thread); results that arrive later are dropped. No event is
 * delivered during it. Owning thread. From inside the session's event callback the destruction
 * is deferred until the process or pull call that emitted the event returns.
 */
CA_API void ca_session_destroy(ca_session_t *session);

/* The call id: the one given, or the generated UUID. Never NULL for a session; NULL for NULL.
 * Valid until the session is destroyed. Any thread. */
CA_API const char *ca_session_call_id(const ca_session_t *session);

/* Samples in one 20 ms frame at the session's rate (sample_rate / 50); 0 for NULL. Any thread. */
CA_API size_t ca_session_frame_samples(const ca_session_t *session);

/*
 * Caller audio: exactly one 20 ms frame (n == sample_rate / 50, else CA_ERR_INVALID_ARGUMENT),
 * copied. Taken into account by the next ca_session_process. After the call ended, frames are
 * accepted and ignored. Owning thread.
 */
CA_API ca_status ca_session_push_audio(ca_session_t *session, const int16_t *pcm, size_t n);

/* A DTMF digit, one of "0123456789*#ABCD" (else CA_ERR_INVALID_ARGUMENT). Owning thread. */
CA_API ca_status ca_session_push_dtmf(ca_session_t *session, char digit);

/* The caller hung up: the next ca_session_process ends the session. Owning thread. */
CA_API ca_status ca_session_push_hangup(ca_session_t *session);

/*
 * This many of the samples pulled with audio (has_audio set) have actually been played to the
 * caller; frames pulled as silence are not counted. A host that never calls it is taken to play
 * everything it pulls at once. Owning thread.
 */
CA_API ca_status ca_session_push_played(ca_session_t *session, uint64_t samples);

/* The outcome of a transfer the session asked for (non-zero: it succeeded and the call ends).
 * Owning thread. */
CA_API ca_status ca_session_push_transfer_result(ca_session_t *session, int ok);

/*
 * Advances the session to `now_ns` (the host's monotonic clock, or a virtual one): takes the
 * pushed input, drains plug-in results, runs timers and calls plug-ins and the event callback.
 * `now_ns` must be >= 0 and never smaller than in the previous call (else CA_ERR_INVALID_ARGUMENT).
 * Owning thread.
 */
CA_API ca_status ca_session_process(ca_session_t *session, int64_t now_ns);

/*
 * When ca_session_process must run next, on the same clock; INT64_MAX when only new input can
 * change anything (and for NULL). Before the first process it is the last `now` (0). Owning
 * thread.
 */
CA_API int64_t ca_session_next_deadline(const ca_session_t *session);

/*
 * Since 0.2. Non-zero while the session awaits a plug-in result: the last final of a finished STT stream, an
 * LLM round, a tool, or a synthesis; 0 otherwise and for NULL. A host that plays a recording
 * faster than real time can skip ahead while it is 0 and keep real time while it is not, so the
 * plug-ins' real latencies still count. Owning thread.
 */
CA_API int ca_session_waiting(const ca_session_t *session);

/*
 * The next outbound frame: `n` must be the frame size (sample_rate / 50). Fills `out`; when
 * there is nothing to play it is zeroed and *has_audio is 0, else *has_audio is 1 (`has_audio`
 * may be NULL). May emit events. Owning thread.
 */
CA_API ca_status ca_session_pull_audio(ca_session_t *session, int16_t *out, size_t n, int *has_audio);

/*
 * Stops the bot's speech as a committed barge-in would (e.g. the host's own detector decided).
 * Takes effect at the next ca_session_process. Any thread, but not concurrently with
 * ca_session_destroy of the same session.
 */
CA_API ca_status ca_session_interrupt(ca_session_t *session);

/* The current CA_STATE_*; CA_ERR_INVALID_ARGUMENT for NULL. Owning thread. */
CA_API int ca_session_state(const ca_session_t *session);

/*
 * Starts recording everything the session receives — caller audio, DTMF, playout reports,
 * transfer results and every plug-in result (synthesised audio included), each with the session
 * time it was taken at — together with its settings, for `callagent replay` / ca_replay_file.
 * Only before the first ca_session_process (CA_ERR_STATE afterwards, or when already recording).
 * A recording holds the caller's voice: treat it as call audio. Owning thread.
 */
CA_API ca_status ca_session_start_recording(ca_session_t *session);

/*
 * Ends the recording and writes it to `path` (created or replaced). CA_ERR_STATE when the session
 * is not recording, CA_ERR_IO when the file cannot be written (the recording is lost). May be
 * called at any point of the call, typically after the hangup. Owning thread.
 */
CA_API ca_status ca_session_save_recording(ca_session_t *session, const char *path);

/* What a replay found. */
typedef struct ca_replay_report {
  uint32_t struct_size;
  int identical;            /* non-zero: the replay did exactly what the recorded call did */
  uint64_t recorded_hash;   /* of the recorded call's events, plug-in requests and audio */
  uint64_t replayed_hash;   /* the same, from the replay */
  uint64_t process_calls;
  uint64_t frames_pulled;
  uint64_t events;
  int64_t duration_ns;      /* session time of the last process */
} ca_replay_report;

/*
 * Replays a recording through a fresh session with inert plug-ins and compares what it did.
 * `report->struct_size` must be set; only the fields that fit are written. CA_ERR_IO for a file
 * that cannot be read, CA_ERR_INVALID_ARGUMENT for one that is not a recording (or is truncated),
 * CA_ERR_UNSUPPORTED for another format version. Any thread.
 */
CA_API ca_status ca_replay_file(const char *path, ca_replay_report *report);

/* Counters of a session. */
typedef struct ca_session_stats {
  uint32_t struct_size;
  uint64_t frames_in;         /* caller frames processed */
  uint64_t frames_out;        /* frames pulled with audio */
  uint64_t frames_silent;     /* frames pulled as silence */
  uint64_t turns;
  uint64_t barge_ins;         /* committed */
  uint64_t barge_in_resumes;  /* muted, then resumed */
  uint64_t llm_requests;
  uint64_t tool_calls;
  uint64_t fillers;
  /* Since 0.3: what providers bill on. Tokens as the LLM plug-in reported them to
   * ca_sink_llm_done; caller audio sent to the STT plug-in, in milliseconds; characters (code
   * points) sent to the TTS plug-in. */
  uint64_t llm_input_tokens;
  uint64_t llm_output_tokens;
  uint64_t stt_audio_ms;
  uint64_t tts_characters;
} ca_session_stats;

/*
 * Copies the counters into `stats`, whose struct_size the caller sets: only the fields that fit
 * entirely within struct_size are written; struct_size is left as it is. A struct_size that does
 * not hold frames_in: CA_ERR_INVALID_ARGUMENT. Owning thread.
 */
CA_API ca_status ca_session_get_stats(const ca_session_t *session, ca_session_stats *stats);

/* ============================================================================================
 * Test kit: a call simulator with scripted plug-ins on a virtual clock
 * ========================================================================================== */

/*
 * A simulator runs one session against a caller script, with the library's own scripted STT,
 * LLM, TTS and tools, on a virtual clock: a ten-minute call runs in milliseconds. Integrators use
 * it to test their prompts' flow, their tools' wiring and their session settings without a
 * phone line or a provider.
 *
 * How the call is played, every 20 ms of virtual time (ticks at 20 ms, 40 ms, ...): one frame of
 * caller audio is pushed (the scripted speech as a speech-like signal at its level, plus the
 * bot's echo when enabled), the session is processed, and one outbound frame is pulled and
 * counted as played. Plug-in results, DTMF digits, the hangup and transfer results arrive at
 * their scripted times, with the session processed at each of them and at its deadlines.
 *
 * The scripted plug-ins:
 *  - STT: hears the text of every utterance that overlaps the audio of a stream by at least
 *    half its length or 300 ms. It sends the first word as an interim stt_interim_latency_ms
 *    after the stream opened (when there are words), and the whole text as the final
 *    stt_final_latency_ms after the session finished the stream.
 *  - LLM: answers the session's requests in order with the replies added by
 *    ca_sim_add_llm_reply: the text word by word (a "token" is a word with its trailing space),
 *    then the reply's tool calls, then done. Requests past the last reply get "Scripted reply N."
 *    (N: the 0-based request index).
 *  - TTS: a voiced, speech-like tone of tts_ms_per_char per character of the clause, at
 *    -16 dBFS, its first 20 ms tts_first_audio_ms after the request, the rest 5 times faster
 *    than real time.
 *  - Tools: those added with ca_sim_add_tool; each succeeds with its set result after its set
 *    latency. They are the session's only tools.
 *  - The host: answers each CA_EVENT_TRANSFER_REQUESTED transfer_delay_ms later with the next
 *    result added by ca_sim_add_transfer_result (success once they run out).
 *
 * Deterministic: the same session params, sim params and script give the same events, at the
 * same virtual times, and the same outbound audio, on every run of the same library build (a
 * NULL or "" call_id becomes "sim", not a random one). No thread is started and no clock is
 * read: a run takes as long as the CPU needs for it.
 *
 * Threading: a simulator may be created on any thread and then used by one thread at a time;
 * all of its plug-ins and its event callback run on the thread that calls ca_sim_run.
 *
 * Life cycle: create, add the script, run once, read the results, destroy. Adding after the run,
 * or running twice: CA_ERR_STATE.
 */
typedef struct ca_sim ca_sim_t;

/* Latencies of the scripted plug-ins and the caller's line. */
typedef struct ca_sim_params {
  uint32_t struct_size;
  int stt_interim_latency_ms;    /* STT stream open -> first interim; default 300 */
  int stt_final_latency_ms;      /* STT stream finished -> final; default 150 */
  int llm_first_token_ms;        /* LLM request -> first token, for replies that keep -1;
                                    default 400 */
  double llm_tokens_per_second;  /* for replies that keep 0; > 0; default 30 */
  int tts_first_audio_ms;        /* TTS request -> first audio; default 150 */
  double tts_ms_per_char;        /* speech length per character of a clause; > 0; default 60 */
  int tts_sample_rate;           /* the rate the TTS answers at (4000..192000, resampled by the
                                    session); 0: the call's rate (default) */
  int echo;                      /* non-zero: the bot's audio comes back on the caller's line;
                                    default 0 */
  double echo_db;                /* the echo's gain in dB (<= 0); default -12 */
  int echo_delay_ms;             /* the echo's delay; default 120 */
  int transfer_delay_ms;         /* a transfer request -> its result; default 500 */
} ca_sim_params;

/*
 * Fills `params` with the defaults above. `size` is sizeof *params; NULL or a size smaller than
 * the first version of the struct: CA_ERR_INVALID_ARGUMENT. Any thread.
 */
CA_API ca_status ca_sim_default_params(ca_sim_params *params, size_t size);

/*
 * Creates a simulator. `session` (NULL: ca_session_default_params' defaults) gives the call's
 * settings exactly as for ca_session_create: rate, call and caller ids, language, prompt,
 * greeting, timings, operator digit, and the event callback, with the same checks and codes.
 * A NULL or "" call_id is "sim". Its plug-in names and tool list are ignored: the scripted
 * plug-ins and the tools added with ca_sim_add_tool are used. `params` may be NULL (defaults);
 * a negative latency or delay, a non-positive rate of tokens or characters, a tts_sample_rate
 * out of range or a non-finite or positive echo_db: CA_ERR_INVALID_ARGUMENT. On failure *out is
 * NULL (when `out` is not NULL). Any thread.
 *
 * Events go to session->on_event during ca_sim_run (see there), with `time_ns` the virtual time
 * at which the session emitted them.
 */
CA_API ca_status ca_sim_create(const ca_session_params *session, const ca_sim_params *params, ca_sim_t **out);

/* Destroys a simulator and everything it returned; NULL is ignored. From inside its event
 * callback the destruction is deferred until ca_sim_run returns. */
CA_API void ca_sim_destroy(ca_sim_t *sim);

/* ---- the script (before ca_sim_run; after it: CA_ERR_STATE) ---- */

/*
 * The caller speaks from `at_ms` (>= 0) for `duration_ms` (> 0) at `level_dbfs` (<= 0; -18 is a
 * normal voice; the scripted TTS speaks at -16). The audio is a speech-like signal; `text` is
 * what the STT hears (NULL or "": a cough or noise, audio without words). Utterances may overlap
 * each other and the bot's speech.
 */
CA_API ca_status ca_sim_add_speech(ca_sim_t *sim, int64_t at_ms, int64_t duration_ms, const char *text,
                                   double level_dbfs);

/* The caller presses `digit` (one of "0123456789*#ABCD", else CA_ERR_INVALID_ARGUMENT) at
 * `at_ms` (>= 0). */
CA_API ca_status ca_sim_add_dtmf(ca_sim_t *sim, int64_t at_ms, char digit);

/* The caller hangs up at `at_ms` (>= 0); a later call replaces the time. Without it the call
 * runs until the session ends it or until ca_sim_run's `until_ms`. */
CA_API ca_status ca_sim_set_hangup(ca_sim_t *sim, int64_t at_ms);

/* The outcome of the next transfer the session asks for (non-zero: it succeeded), in order. */
CA_API ca_status ca_sim_add_transfer_result(ca_sim_t *sim, int ok);

/* One scripted LLM answer. Fill it with ca_sim_default_llm_reply first. */
typedef struct ca_sim_llm_reply {
  uint32_t struct_size;
  const char *text;                      /* NULL: "" (e.g. a reply with only tool calls) */
  /* Tool calls sent after the text: `name` required; `id` NULL or "": the session assigns one;
   * `arguments_json` NULL: "{}". Copied by ca_sim_add_llm_reply. */
  const ca_tool_call *const *tool_calls;
  size_t tool_call_count;
  int first_token_ms;        /* request -> first token; -1 (default): ca_sim_params' */
  double tokens_per_second;  /* 0 (default): ca_sim_params'; else > 0 */
  int fail_after_tokens;     /* the round fails after this many tokens (0: before the first);
                                -1 (default): it succeeds */
} ca_sim_llm_reply;

/* Fills `reply` with the defaults: no text, no tool calls, -1, 0, -1. `size` is sizeof *reply;
 * NULL or too small: CA_ERR_INVALID_ARGUMENT. Any thread. */
CA_API ca_status ca_sim_default_llm_reply(ca_sim_llm_reply *reply, size_t size);

/* Appends the answer to the next LLM request (the first call answers the first request). */
CA_API ca_status ca_sim_add_llm_reply(ca_sim_t *sim, const ca_sim_llm_reply *reply);

/*
 * A tool the agent may use: `name` (required, unique within the simulator) and `description`
 * (NULL: "") as the model sees them, with parameters {"type":"object","properties":{}}. Every
 * invocation succeeds `latency_ms` (>= 0) later with `result_json` (NULL: "null") and `action`
 * (a CA_TOOL_ACTION_*). `side_effecting` and `wait_phrase` (NULL or "": the generic one) mean
 * what they mean in ca_tool_vtable.
 */
CA_API ca_status ca_sim_add_tool(ca_sim_t *sim, const char *name, const char *description, const char *result_json,
                                 int latency_ms, int side_effecting, int action, const char *wait_phrase);

/* ---- the run ---- */

/*
 * Plays the call from virtual time 0 until the session ends or until `until_ms` (>= 0), once
 * (a second call: CA_ERR_STATE). Then delivers the session's events to session->on_event, in
 * the order they were emitted, each with its virtual time: the callback observes the call, it
 * cannot steer it. From inside the callback the result functions below may be used; adding to
 * the script and running return CA_ERR_STATE; ca_sim_destroy is deferred. Failures of the
 * session or the scripted plug-ins during the call are CA_EVENT_ERROR events, not a status.
 */
CA_API ca_status ca_sim_run(ca_sim_t *sim, int64_t until_ms);

/* ---- results (after ca_sim_run; valid until ca_sim_destroy) ---- */

/* When the session ended, in virtual nanoseconds; INT64_MAX when it was still going at
 * `until_ms`, before the run, and for NULL. */
CA_API int64_t ca_sim_ended_at_ns(const ca_sim_t *sim);

/* The session's CA_STATE_* at the end of the run (CA_STATE_IDLE before it);
 * CA_ERR_INVALID_ARGUMENT for NULL. */
CA_API int ca_sim_final_state(const ca_sim_t *sim);

/*
 * Everything the bot sent, one 20 ms frame per tick, silence included: PCM16 mono at the call's
 * rate, *n samples (`n` may be NULL). Valid until ca_sim_destroy. NULL with *n = 0 before the
 * run and for NULL.
 */
CA_API const int16_t *ca_sim_outbound(const ca_sim_t *sim, size_t *n);

/* How many requests the scripted LLM received; 0 before the run and for NULL. */
CA_API size_t ca_sim_llm_request_count(const ca_sim_t *sim);

/* How many times the tool `tool_name` was invoked; 0 for a tool not added, before the run and
 * for NULL arguments. */
CA_API size_t ca_sim_tool_invocations(const ca_sim_t *sim, const char *tool_name);

/* The session's counters, as ca_session_get_stats copies them. Before the run: CA_ERR_STATE. */
CA_API ca_status ca_sim_get_stats(const ca_sim_t *sim, ca_session_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* CALLAGENT_CALLAGENT_H */
