#include <doctest/doctest.h>

#include <string>

#include "agent/conversation.hpp"

using ca::agent::Conversation;
using ca::agent::Message;
using ca::agent::Role;
using ca::agent::ToolCall;

namespace {

// A caller turn, a tool round and the answer: four messages per turn.
void add_turn(Conversation &c, int i) {
  c.add_user("turn " + std::to_string(i));
  ToolCall call{"c" + std::to_string(i), "search_tires", R"({"width":205})"};
  c.add_assistant("", {call});
  c.add_tool_result(call, R"({"total":3})", false);
  c.add_assistant("answer " + std::to_string(i));
}

}  // namespace

TEST_CASE("a short conversation is given whole, with no summary") {
  Conversation c;
  c.add_assistant("Hello.");
  add_turn(c, 1);
  auto w = c.window(40);
  CHECK(w.summary.empty());
  CHECK(w.messages.size() == 5);
}

TEST_CASE("the window never separates a tool call from its result") {
  Conversation c;
  c.add_assistant("Hello.");
  for (int i = 1; i <= 20; ++i) add_turn(c, i);  // 81 messages
  for (size_t max : {40u, 39u, 38u, 37u, 3u, 2u}) {
    auto w = c.window(max);
    REQUIRE_FALSE(w.messages.empty());
    CHECK(w.messages.front().role == Role::user);
    CHECK(w.messages.size() <= std::max<size_t>(max, 4));
    // Every tool result in the window has its call in the window.
    for (size_t i = 0; i < w.messages.size(); ++i) {
      if (w.messages[i].role != Role::tool) continue;
      bool found = false;
      for (size_t j = 0; j < i; ++j) {
        for (const auto &call : w.messages[j].tool_calls) found = found || call.id == w.messages[i].tool_call_id;
      }
      CHECK(found);
    }
    CHECK(w.messages.back().text == "answer 20");
    CHECK_FALSE(w.summary.empty());
  }
}

TEST_CASE("the summary is deterministic, keeps the latest lines within its budget, and says what it left out") {
  Conversation c;
  c.add_assistant("Hello.");
  for (int i = 1; i <= 20; ++i) add_turn(c, i);
  auto w = c.window(8);  // the last two turns
  CHECK(w.messages.front().text == "turn 19");
  CHECK(w.summary.find("Caller: turn 18") != std::string::npos);
  CHECK(w.summary.find("Agent called search_tires {\"width\":205}") != std::string::npos);
  CHECK(w.summary.find("Result of search_tires: {\"total\":3}") != std::string::npos);
  CHECK(w.summary.find("Agent: answer 18") != std::string::npos);
  CHECK(c.window(8).summary == w.summary);
  CHECK(w.summary.size() <= 1500);
  CHECK(w.summary.find("Agent: Hello.") == std::string::npos);  // 18 turns do not fit in 1500
  CHECK(c.window(8, 5000).summary.find("Agent: Hello.") == 0);  // they do in 5000

  auto small = c.window(8, 200);
  CHECK(small.summary.size() <= 260);
  CHECK(small.summary.rfind("(", 0) == 0);  // "(N earlier messages not shown)"
  CHECK(small.summary.find("earlier messages not shown") != std::string::npos);
  CHECK(small.summary.find("answer 18") != std::string::npos);  // the most recent of the old stay
  CHECK(small.summary.find("Hello.") == std::string::npos);
}

TEST_CASE("long texts are clipped at a UTF-8 boundary") {
  Conversation c;
  std::string long_uk;
  for (int i = 0; i < 100; ++i) long_uk += "шина ";
  c.add_user(long_uk);
  c.add_assistant("ok");
  c.add_user("далі");
  auto w = c.window(1);
  REQUIRE(w.messages.size() == 1);
  CHECK(w.summary.find("…") != std::string::npos);
  // Valid UTF-8: no stray continuation byte right before the ellipsis.
  const size_t cut = w.summary.find("…");
  CHECK((static_cast<unsigned char>(w.summary[cut - 1]) & 0xC0) != 0xC0);
}

TEST_CASE("user-first ordering for providers that need it") {
  std::vector<Message> m;
  ca::agent::ensure_user_first(m);
  REQUIRE(m.size() == 1);
  CHECK(m[0].role == Role::user);
  Message greeting;
  greeting.role = Role::assistant;
  greeting.text = "Hello.";
  std::vector<Message> g{greeting};
  ca::agent::ensure_user_first(g);
  REQUIRE(g.size() == 2);
  CHECK(g[0].role == Role::user);
  CHECK(g[1].text == "Hello.");
  ca::agent::ensure_user_first(g);
  CHECK(g.size() == 2);
}
