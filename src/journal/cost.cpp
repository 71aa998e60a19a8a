#include "journal/cost.hpp"

namespace ca::journal {

double cost_usd(const Prices &p, const Usage &u) {
  return static_cast<double>(u.llm_input_tokens) * p.llm_input_per_mtok / 1e6 +
         static_cast<double>(u.llm_output_tokens) * p.llm_output_per_mtok / 1e6 +
         static_cast<double>(u.stt_audio_ms) / 60000.0 * p.stt_per_minute +
         static_cast<double>(u.tts_characters) * p.tts_per_mchar / 1e6;
}

}  // namespace ca::journal
