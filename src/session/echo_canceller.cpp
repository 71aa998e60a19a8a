#include "session/echo_canceller.hpp"

#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>

#include <algorithm>
#include <string>
#include <vector>

namespace ca::session {

namespace {

constexpr int kMinRate = 8000;
constexpr int kMaxRate = 48000;
constexpr Nanos kFrame = millis(20);
constexpr Nanos kMaxTail = seconds(1);

// Played audio not yet matched to a caller frame is kept up to this many frames; beyond it the
// oldest is dropped (caller frames went missing), so the far end never lags the line for ever.
constexpr size_t kMaxPendingFrames = 5;

// Residual echo suppression by the preprocessor, in dB (speexdsp's defaults, set explicitly):
// attenuation of residual echo while the caller is silent, and while the caller talks.
constexpr spx_int32_t kEchoSuppressDb = -40;
constexpr spx_int32_t kEchoSuppressActiveDb = -15;

struct EchoStateDeleter {
  void operator()(SpeexEchoState *s) const { speex_echo_state_destroy(s); }
};
struct PreprocessStateDeleter {
  void operator()(SpeexPreprocessState *s) const { speex_preprocess_state_destroy(s); }
};
using EchoStatePtr = std::unique_ptr<SpeexEchoState, EchoStateDeleter>;
using PreprocessStatePtr = std::unique_ptr<SpeexPreprocessState, PreprocessStateDeleter>;

// A preprocessor that only suppresses residual echo. Its spectral gain is applied only while
// "denoise" is on (speexdsp sets the gain to 1 otherwise, echo suppression included), so denoise
// stays on with a noise suppression of 0 dB: the noise part of the gain floor is then unity, and
// bins dominated by noise or by the caller pass unchanged while bins dominated by the residual
// echo estimate are pulled down to the echo floor. AGC, VAD and dereverberation are off by
// default and left off (setting the VAD, even off, only prints a speexdsp warning).
PreprocessStatePtr make_preprocessor(int frame_size, int rate, SpeexEchoState *echo) {
  PreprocessStatePtr pp(speex_preprocess_state_init(frame_size, rate));
  if (!pp) return pp;
  spx_int32_t on = 1;
  spx_int32_t off = 0;
  spx_int32_t noise_db = 0;
  spx_int32_t echo_db = kEchoSuppressDb;
  spx_int32_t echo_active_db = kEchoSuppressActiveDb;
  speex_preprocess_ctl(pp.get(), SPEEX_PREPROCESS_SET_DENOISE, &on);
  speex_preprocess_ctl(pp.get(), SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, &noise_db);
  speex_preprocess_ctl(pp.get(), SPEEX_PREPROCESS_SET_AGC, &off);
  speex_preprocess_ctl(pp.get(), SPEEX_PREPROCESS_SET_DEREVERB, &off);
  speex_preprocess_ctl(pp.get(), SPEEX_PREPROCESS_SET_ECHO_SUPPRESS, &echo_db);
  speex_preprocess_ctl(pp.get(), SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE, &echo_active_db);
  speex_preprocess_ctl(pp.get(), SPEEX_PREPROCESS_SET_ECHO_STATE, echo);
  return pp;
}

// Why speex_echo_cancellation with our own far-end queue, not speex_echo_playback/capture:
// the buffered API does not estimate or absorb the echo delay. It is a fixed two-frame jitter
// buffer for sound cards whose playback and capture callbacks run on different threads; when the
// calls are out of step it duplicates played frames ("auto-filling"), drops them, or passes the
// capture through uncancelled, printing a warning to stderr each time. What covers the delay is
// the adaptive filter itself: its length (the tail) spans every delay from 0 to the tail, in the
// MDF's blocks of one frame. So all the canceller needs is the played audio of the same tick next
// to each caller frame, which a sample queue gives exactly and deterministically: echo delayed by
// 20, 120 or 250 ms is then simply a filter peak 20, 120 or 250 ms in, inside a 256 ms tail (the
// MDF rounds the tail up to whole frames: 13 x 20 ms = 260 ms). If the session reports the caller
// frame before the played frame of a tick, the far end runs one frame late, which only shifts the
// covered delays to 20 ms .. tail + 20 ms.
class SpeexEchoCanceller final : public EchoCanceller {
 public:
  SpeexEchoCanceller(int rate, int frame_size, int filter_length, bool preprocess, EchoStatePtr echo,
                     PreprocessStatePtr pp)
      : rate_(rate),
        frame_size_(static_cast<size_t>(frame_size)),
        filter_length_(filter_length),
        preprocess_(preprocess),
        echo_(std::move(echo)),
        pp_(std::move(pp)),
        pending_(frame_size_ * kMaxPendingFrames, 0),
        far_(frame_size_, 0),
        out_(frame_size_, 0) {}

  void on_played(std::span<const int16_t> frame) override {
    const size_t cap = pending_.size();
    if (frame.size() >= cap) {  // only the newest `cap` samples can ever be used
      frame = frame.subspan(frame.size() - cap);
      head_ = 0;
      count_ = 0;
    }
    const size_t over = count_ + frame.size() > cap ? count_ + frame.size() - cap : 0;
    drop(over);
    size_t tail = (head_ + count_) % cap;
    for (const int16_t s : frame) {
      pending_[tail] = s;
      tail = tail + 1 == cap ? 0 : tail + 1;
    }
    count_ += frame.size();
  }

  void process(std::span<int16_t> caller_frame) override {
    size_t at = 0;
    for (; at + frame_size_ <= caller_frame.size(); at += frame_size_) {
      take(far_);
      const auto in = caller_frame.subspan(at, frame_size_);
      speex_echo_cancellation(echo_.get(), in.data(), far_.data(), out_.data());
      if (pp_) speex_preprocess_run(pp_.get(), out_.data());
      std::copy(out_.begin(), out_.end(), in.begin());
    }
    drop(std::min(count_, caller_frame.size() - at));  // the untouched rest keeps its far end aligned
  }

  void reset() override {
    head_ = 0;
    count_ = 0;
    // A fresh state is bit-for-bit the state after construction (speex_echo_state_reset leaves a
    // few estimates behind, and the preprocessor has no reset at all). Should speexdsp fail to
    // allocate, the old states are reset as far as they can be and kept.
    EchoStatePtr echo(speex_echo_state_init(frame_size_as_int(), filter_length_));
    if (!echo) {
      speex_echo_state_reset(echo_.get());
      return;
    }
    speex_echo_ctl(echo.get(), SPEEX_ECHO_SET_SAMPLING_RATE, &rate_);
    if (preprocess_) {
      PreprocessStatePtr pp = make_preprocessor(frame_size_as_int(), rate_, echo.get());
      if (!pp) {
        speex_echo_state_reset(echo_.get());
        return;
      }
      pp_ = std::move(pp);  // before echo_ goes: the old preprocessor points at the old state
    }
    echo_ = std::move(echo);
  }

 private:
  int frame_size_as_int() const { return static_cast<int>(frame_size_); }

  void drop(size_t n) {
    head_ = (head_ + n) % pending_.size();
    count_ -= n;
  }

  // The next frame of played audio, silence where none was played.
  void take(std::vector<int16_t> &dst) {
    const size_t n = std::min(count_, dst.size());
    for (size_t i = 0; i < n; ++i) dst[i] = pending_[(head_ + i) % pending_.size()];
    std::fill(dst.begin() + static_cast<std::ptrdiff_t>(n), dst.end(), int16_t{0});
    drop(n);
  }

  int rate_;
  size_t frame_size_;
  int filter_length_;
  bool preprocess_;
  EchoStatePtr echo_;
  PreprocessStatePtr pp_;  // declared after echo_: destroyed first, as it refers to it

  std::vector<int16_t> pending_;  // ring of played samples not yet matched to the line
  size_t head_ = 0;
  size_t count_ = 0;
  std::vector<int16_t> far_;  // one frame of played audio for the current caller frame
  std::vector<int16_t> out_;
};

}  // namespace

Result<std::unique_ptr<EchoCanceller>> make_speex_echo_canceller(const SpeexAecConfig &c) {
  if (c.sample_rate < kMinRate || c.sample_rate > kMaxRate || c.sample_rate % 50 != 0)
    return make_error(Errc::invalid_argument, "echo canceller: sample rate " + std::to_string(c.sample_rate) +
                                                  " Hz is not a multiple of 50 between 8000 and 48000");
  if (c.tail < kFrame || c.tail > kMaxTail)
    return make_error(Errc::invalid_argument, "echo canceller: tail of " + std::to_string(c.tail / kNanosPerMilli) +
                                                  " ms is outside 20..1000 ms");
  const int frame_size = c.sample_rate / 50;
  const auto filter_length = static_cast<int>(c.tail * c.sample_rate / kNanosPerSecond);

  EchoStatePtr echo(speex_echo_state_init(frame_size, filter_length));
  if (!echo)
    return make_error(Errc::internal, "echo canceller: speex_echo_state_init failed (frame " +
                                          std::to_string(frame_size) + ", filter " + std::to_string(filter_length) +
                                          " samples)");
  int rate = c.sample_rate;
  speex_echo_ctl(echo.get(), SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
  PreprocessStatePtr pp;
  if (c.preprocess) {
    pp = make_preprocessor(frame_size, rate, echo.get());
    if (!pp)
      return make_error(Errc::internal, "echo canceller: speex_preprocess_state_init failed (frame " +
                                            std::to_string(frame_size) + ", " + std::to_string(rate) + " Hz)");
  }
  return std::unique_ptr<EchoCanceller>(std::make_unique<SpeexEchoCanceller>(
      rate, frame_size, filter_length, c.preprocess, std::move(echo), std::move(pp)));
}

}  // namespace ca::session
