"""Sessions driven from Python with plug-ins written in Python: the same vtable path as C."""

import array
import gc
import json
import math
import weakref

import pytest

import callagent

RATE = 8000
FRAME = RATE // 50  # 20 ms


def speechlike(n_frames, start_index=0):
    """A voiced, syllable-modulated tone around -18 dBFS: what the VAD takes for speech."""
    out = []
    for f in range(n_frames):
        samples = array.array("h")
        for i in range(FRAME):
            t = ((start_index + f) * FRAME + i) / RATE
            env = 0.55 + 0.45 * math.sin(2 * math.pi * 4 * t)
            v = env * (0.6 * math.sin(2 * math.pi * 180 * t) + 0.3 * math.sin(2 * math.pi * 720 * t))
            samples.append(int(v * 4000))
        out.append(samples.tobytes())
    return out


SILENCE = bytes(FRAME * 2)


class Ears:
    """Recognises every utterance as one fixed sentence, once the session finishes the stream."""

    def __init__(self, text):
        self.text = text
        self.sinks = {}
        self.pushed = 0

    def open(self, stream, params, sink):
        assert params.sample_rate == RATE and params.language == "en"
        self.sinks[stream] = sink

    def push(self, stream, pcm):
        assert isinstance(pcm, bytes)
        self.pushed += len(pcm) // 2

    def finish(self, stream):
        sink = self.sinks.pop(stream)
        sink.final(self.text, 0.9)
        sink.done()

    def cancel(self, stream):
        self.sinks.pop(stream, None)


class Voice:
    """Speaks every clause as 40 ms of tone per character."""

    def __init__(self):
        self.texts = []

    def synthesize(self, request_id, request, sink):
        self.texts.append(request.text)
        n = 320 * len(request.text)
        tone = array.array("h", (int(3000 * math.sin(2 * math.pi * 440 * i / RATE)) for i in range(n)))
        sink.audio(tone.tobytes(), RATE)
        sink.done()


class Brain:
    """Asks for the stock tool, then answers with what it returned."""

    def __init__(self):
        self.requests = []

    def start(self, request_id, request, sink):
        self.requests.append(request)
        last = request.messages[-1]
        if last.role == "tool":
            sink.text("We have " + str(json.loads(last.text)["count"]) + " in stock.")
        else:
            sink.tool_call("c1", "check_stock", json.dumps({"size": "205/55 R16"}))
        sink.done(10, 5)


class Stock:
    def __init__(self):
        self.calls = []

    def invoke(self, invocation, arguments_json, context, sink):
        self.calls.append((json.loads(arguments_json), context.caller_number, context.idempotency_key))
        sink.result(True, json.dumps({"count": 12}))


def run_call(session, ms, speech_from_ms, speech_ms):
    """Drives the session on a virtual clock, 20 ms at a time; returns the outbound audio."""
    speech = speechlike(speech_ms // 20)
    out = []
    for step in range(ms // 20):
        t = step * 20
        k = (t - speech_from_ms) // 20
        session.push_audio(speech[k] if 0 <= k < len(speech) else SILENCE)
        session.process(t * 1_000_000)
        frame, has_audio = session.pull_audio()
        assert len(frame) == FRAME * 2
        if has_audio:
            session.push_played(FRAME)
        out.append(frame)
    return b"".join(out)


def make_engine():
    engine = callagent.Engine()
    plugins = dict(ears=Ears("do you have 205/55 R16 in stock"), voice=Voice(), brain=Brain(), stock=Stock())
    engine.register_stt("ears", plugins["ears"])
    engine.register_tts("voice", plugins["voice"])
    engine.register_llm("brain", plugins["brain"])
    engine.register_tool("check_stock", plugins["stock"], description="Stock of a tyre size",
                         parameters_json='{"type":"object","properties":{"size":{"type":"string"}}}')
    return engine, plugins


def test_a_call_with_python_plugins():
    engine, p = make_engine()
    events = []
    session = callagent.Session(engine, stt="ears", tts="voice", llm="brain", language="en",
                                greeting="Hello, tyre shop.", caller_number="+380671234567",
                                on_event=events.append)
    audio = run_call(session, 8000, speech_from_ms=2500, speech_ms=1500)

    turns = [e["text"] for e in events if e["type"] == "caller_turn"]
    assert turns == ["do you have 205/55 R16 in stock"]
    assert p["ears"].pushed >= 1500 // 20 * FRAME  # the utterance (and its pre-roll) reached the STT
    assert p["stock"].calls[0][0] == {"size": "205/55 R16"}
    assert p["stock"].calls[0][1] == "+380671234567"
    assert p["stock"].calls[0][2].startswith(session.call_id + ":check_stock:")
    assert [r.messages[-1].role for r in p["brain"].requests] == ["user", "tool"]
    assert p["brain"].requests[0].tools[0].name == "check_stock"
    assert p["voice"].texts[0] == "Hello, tyre shop."
    assert "We have twelve in stock." in p["voice"].texts  # numbers are read out for the synthesiser
    finished = [e for e in events if e["type"] == "tool_finished"]
    assert finished and finished[0]["ok"] and json.loads(finished[0]["detail"]) == {"count": 12}
    (timeline,) = [e["timeline"] for e in events if e["type"] == "turn_timeline"]
    assert timeline["speech_end_ns"] <= timeline["stt_final_ns"] <= timeline["first_frame_ready_ns"]
    # The greeting is heard at the start and the answer after the turn.
    assert any(audio[: 1000 * 16])
    after_turn = (timeline["first_frame_ready_ns"] // 20_000_000) * FRAME * 2
    assert any(audio[after_turn:])
    stats = session.stats()
    assert stats["turns"] == 1 and stats["tool_calls"] == 1 and stats["llm_requests"] == 2
    # What providers bill on: the two rounds' usage as Brain reported it, audio and characters sent.
    assert stats["llm_input_tokens"] == 20 and stats["llm_output_tokens"] == 10
    assert stats["stt_audio_ms"] > 0 and stats["tts_characters"] > 0
    assert session.state == "listening"


def test_a_tools_words_reach_the_recogniser_as_hints():
    engine, p = make_engine()
    heard = []

    class Listening(Ears):
        def open(self, stream, params, sink):
            heard.append(list(params.hints))
            super().open(stream, params, sink)

    engine.register_stt("listening", Listening("yes"))
    engine.register_tool("find", Stock(), speech_words_json='{"brands": ["Michelin", "Nokian"], "cities": ["Київ"]}')
    with pytest.raises(ValueError, match="brands must be an array"):
        engine.register_tool("bad", Stock(), speech_words_json='{"brands": "Michelin"}')
    engine.load_config("")  # the environment alone: the tools' words go to the recognisers
    session = callagent.Session(engine, stt="listening", tts="voice", llm="brain", language="en")
    run_call(session, 3000, speech_from_ms=500, speech_ms=1000)
    assert heard and heard[0] == ["Michelin", "Nokian", "Київ"]


def test_plugins_are_released_with_engine_and_session():
    engine, p = make_engine()
    refs = [weakref.ref(v) for v in p.values()]
    session = callagent.Session(engine, stt="ears", tts="voice", llm="brain", language="en")
    session.process(0)
    del p
    del engine
    gc.collect()
    assert all(r() is not None for r in refs)  # the session still uses them
    session.close()
    gc.collect()
    assert all(r() is None for r in refs)


def test_errors_become_exceptions():
    engine, _ = make_engine()
    with pytest.raises(RuntimeError, match="not found"):
        callagent.Session(engine, stt="nope", tts="voice", llm="brain")
    with pytest.raises(ValueError, match="required"):
        callagent.Session(engine)  # nothing named and nothing configured
    with pytest.raises(ValueError):
        engine.register_llm("brain", Brain())  # the name is taken
    session = callagent.Session(engine, stt="ears", tts="voice", llm="brain")
    with pytest.raises(ValueError):
        session.push_audio(bytes(10))  # not one 20 ms frame
    with pytest.raises(ValueError):
        session.push_dtmf("12")


def test_configuration_names_the_defaults(tmp_path):
    engine, p = make_engine()
    cfg = tmp_path / "callagent.toml"
    cfg.write_text('[session]\nlanguage = "en"\ngreeting = "Configured."\nstt = "ears"\ntts = "voice"\nllm = "brain"\n')
    engine.load_config(str(cfg))
    session = callagent.Session(engine)
    session.process(0)
    session.pull_audio()
    assert p["voice"].texts == ["Configured."]
    cfg.write_text("[llm.x]\ntype = \"nope\"\n")
    with pytest.raises(RuntimeError, match=r"callagent.toml:1: \[llm.x\]: unknown type"):
        engine.load_config(str(cfg))
