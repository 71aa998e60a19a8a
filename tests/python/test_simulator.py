"""The test kit from Python: callagent.Simulator over the C ABI's ca_sim_* functions."""

import json

import pytest

import callagent

ARGS = json.dumps({"size": "205/55 R16", "season": "winter"})
RESULT = json.dumps({"in_stock": True, "count": 12})


def tool_call_sim(**kwargs):
    sim = callagent.Simulator(language="en", greeting="Hello, tyre shop.", **kwargs)
    sim.add_speech(2000, 1500, "do you have winter tyres")
    sim.add_llm_reply("Let me check.", tool_calls=[("c1", "check_stock", ARGS)])
    sim.add_llm_reply("We have Nokian tyres in stock.")
    sim.add_tool("check_stock", RESULT, description="Tyres in stock", latency_ms=300, wait_phrase="One moment.")
    return sim


def of_type(events, kind):
    return [e for e in events if e["type"] == kind]


def test_a_turn_with_a_tool():
    sim = tool_call_sim()
    events = sim.run(10000)

    turns = of_type(events, "caller_turn")
    assert [t["text"] for t in turns] == ["do you have winter tyres"]
    assert 4000 <= turns[0]["time_ms"] <= 4300

    (started,) = of_type(events, "tool_started")
    (finished,) = of_type(events, "tool_finished")
    assert started["text"] == "check_stock" and started["detail"] == ARGS
    assert finished["detail"] == RESULT and finished["ok"]
    assert finished["time_ms"] - started["time_ms"] >= 300

    clauses = [e["text"] for e in of_type(events, "bot_clause")]
    assert clauses[0] == "Hello, tyre shop."
    assert "We have Nokian tyres in stock." in clauses

    (timeline,) = of_type(events, "turn_timeline")
    t = timeline["timeline"]
    assert t["speech_end_ns"] <= t["stt_final_ns"] <= t["llm_request_ns"] < t["llm_first_token_ns"]
    assert t["llm_first_token_ns"] <= t["first_clause_ns"] < t["tts_first_audio_ns"] <= t["first_frame_ready_ns"]

    # Events come in time order, each with the state the session was in.
    times = [e["time_ns"] for e in events]
    assert times == sorted(times)
    assert of_type(events, "state_changed")[0]["state"] == "greeting"

    assert sim.final_state == "listening"
    assert sim.ended_at_ms is None
    assert sim.llm_request_count == 2
    assert sim.tool_invocations("check_stock") == 1
    audio = sim.outbound()
    assert isinstance(audio, bytes) and len(audio) == 10000 // 20 * 160 * 2
    assert any(audio[8000 * 2 * 5:])  # the answer after the turn is audible
    stats = sim.stats()
    assert stats["turns"] == 1 and stats["tool_calls"] == 1 and stats["llm_requests"] == 2
    assert stats["frames_in"] == 500


def test_deterministic():
    a, b = tool_call_sim(echo=True), tool_call_sim(echo=True)
    assert a.run(8000) == b.run(8000)
    assert a.outbound() == b.outbound()


def test_hangup_and_dtmf():
    sim = callagent.Simulator(language="en")
    sim.add_dtmf(1500, "5")
    sim.set_hangup(3000)
    events = sim.run(10000)
    assert [e["text"] for e in of_type(events, "dtmf")] == ["5"]
    assert sim.final_state == "ended"
    assert 3000 <= sim.ended_at_ms <= 3040


def test_errors():
    with pytest.raises(ValueError):
        callagent.Simulator(sample_rate=8001)
    with pytest.raises(ValueError):
        callagent.Simulator(tts_ms_per_char=0)
    sim = callagent.Simulator()
    with pytest.raises(ValueError):
        sim.add_speech(-1, 100, "x")
    with pytest.raises(ValueError):
        sim.add_dtmf(0, "x")
    with pytest.raises(ValueError):
        sim.add_tool("t", action="explode")
    with pytest.raises(RuntimeError):
        sim.stats()  # before the run
    sim.run(100)
    with pytest.raises(RuntimeError):
        sim.run(100)
    with pytest.raises(RuntimeError):
        sim.add_speech(0, 100, "x")
