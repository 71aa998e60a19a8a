// What a call cost: the providers' usage (the session's counters) at the operator's prices. The
// prices are configuration ([journal] price_*), since they differ by vendor, model and contract;
// all zero (the default, and right for the offline agent) gives a cost of 0.
#pragma once

#include <cstdint>

namespace ca::journal {

struct Prices {
  double llm_input_per_mtok = 0;   // USD per million input tokens
  double llm_output_per_mtok = 0;  // USD per million output tokens
  double stt_per_minute = 0;       // USD per minute of caller audio recognised
  double tts_per_mchar = 0;        // USD per million characters synthesised
};

struct Usage {
  uint64_t llm_input_tokens = 0;
  uint64_t llm_output_tokens = 0;
  uint64_t stt_audio_ms = 0;
  uint64_t tts_characters = 0;
};

double cost_usd(const Prices &prices, const Usage &usage);

}  // namespace ca::journal
