// `callagent call` over a multi-turn caller recording: the offline agent (pocketsphinx, the
// rule-based agent with the tyre shop's tools, espeak-ng) hears each line and reaches the tools
// those lines need, on the virtual clock, and writes the bot's audio and the stereo mix.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "audio/resampler.hpp"
#include "audio/wav.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace ca;

namespace {

const std::string kCli = CALLAGENT_CLI_PATH;

std::string find_program(const std::string &name) {
  const char *path = std::getenv("PATH");
  std::stringstream ss(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    const std::string p = dir + "/" + name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

// The line as 16 kHz speech, from the espeak-ng program (a voice other than the bot's).
std::vector<int16_t> speak(const test::TempDir &dir, const std::string &text) {
  const std::string file = dir.file("line.wav");
  test::Process p({find_program("espeak-ng"), "-v", "en-us", "-s", "150", "-w", file, text});
  REQUIRE(p.wait() == 0);
  auto wav = audio::read_wav_file(file);
  REQUIRE(wav.ok());
  return audio::resample(audio::to_mono(*wav), wav->sample_rate, 16000);
}

std::vector<std::string> tools_called(const std::string &out) {
  std::vector<std::string> names;
  for (size_t at = out.find("  tool:   "); at != std::string::npos; at = out.find("  tool:   ", at + 1)) {
    const size_t start = at + 10;
    names.push_back(out.substr(start, out.find(' ', start) - start));
  }
  return names;
}

}  // namespace

TEST_CASE("a three-line caller recording reaches search, availability and the transfer") {
  REQUIRE_MESSAGE(!find_program("espeak-ng").empty(), "espeak-ng is not installed");
  test::TempDir dir;
  // The greeting takes about 10 s; each line then waits 25 s for the bot's answer (the virtual
  // clock makes that cheap), as a caller who listens to the end.
  std::vector<int16_t> caller(16000 * 12, 0);
  for (const char *line : {"Hello. I need winter tyres, size two oh five fifty five R sixteen.",
                           "Do you have the cheaper one in stock?", "Can I speak to an operator, please?"}) {
    const std::vector<int16_t> pcm = speak(dir, line);
    caller.insert(caller.end(), pcm.begin(), pcm.end());
    caller.insert(caller.end(), 16000 * 25, 0);
  }
  const std::string in = dir.file("caller.wav");
  REQUIRE(audio::write_wav_file(in, 16000, 1, caller).ok());

  const std::string mix = dir.file("call.wav");
  const std::string bot = dir.file("bot.wav");
  test::Process p({kCli, "call", "--in", in, "--lang", "en", "--rate", "16000", "--out", mix, "--bot-out", bot,
                   "--work-dir", dir.path().string()});
  const int status = p.wait();
  INFO(p.out());
  INFO(p.err());
  CHECK(status == 0);
  CHECK(tools_called(p.out()) == std::vector<std::string>{"search_tires", "check_availability", "transfer_to_operator"});
  CHECK(p.out().find("transfer to an operator") != std::string::npos);
  CHECK(p.out().find("latency:") != std::string::npos);

  auto stereo = audio::read_wav_file(mix);
  REQUIRE(stereo.ok());
  CHECK(stereo->channels == 2);
  CHECK(stereo->sample_rate == 16000);
  auto spoken = audio::read_wav_file(bot);
  REQUIRE(spoken.ok());
  int peak = 0;
  for (int16_t v : audio::to_mono(*spoken)) peak = std::max(peak, std::abs(static_cast<int>(v)));
  CHECK(peak > 3000);  // the bot spoke
}
