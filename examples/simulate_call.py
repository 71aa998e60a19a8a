#!/usr/bin/env python3
"""Try a call before any phone rings: the Python test kit plays a caller script against a session
with scripted recognition, LLM and synthesis on a virtual clock, and prints the conversation."""
import callagent

sim = callagent.Simulator(language="en", greeting="Hello, tyre shop, how can I help?")
sim.add_tool("check_stock", description="Stock of a tyre size", result_json='{"in_stock": 12}', latency_ms=300)
sim.add_speech(at_ms=3000, duration_ms=1600, text="do you have winter tyres 205/55 R16")
sim.add_llm_reply(tool_calls=[("c1", "check_stock", '{"size": "205/55 R16"}')])
sim.add_llm_reply(text="Yes, twelve are in stock. Shall I reserve four?")

turns = 0
for e in sim.run(until_ms=12000):
    if e["type"] == "caller_turn":
        turns += 1
        print(f"{e['time_ms'] / 1000:7.2f}  caller: {e['text']}")
    elif e["type"] == "bot_clause":
        print(f"{e['time_ms'] / 1000:7.2f}  bot:    {e['text']}")
    elif e["type"] == "tool_started":
        print(f"{e['time_ms'] / 1000:7.2f}  tool:   {e['text']} {e['detail']}")
print("version", callagent.version())
raise SystemExit(0 if turns == 1 else 1)
