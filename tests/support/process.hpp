// Runs the callagent binary as a child process for tests, with its stdout and stderr captured.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/clock.hpp"

namespace ca::test {

class Process {
 public:
  explicit Process(std::vector<std::string> args) {
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      std::vector<char *> argv;
      for (auto &a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    out_ = out[0];
    err_ = err[0];
  }
  ~Process() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      wait();
    }
    if (out_ >= 0) ::close(out_);
    if (err_ >= 0) ::close(err_);
  }

  pid_t pid() const { return pid_; }
  void signal(int sig) { ::kill(pid_, sig); }

  // Reads stderr until `needle` appears (true) or the timeout passes / the pipe closes (false).
  bool wait_stderr_for(const std::string &needle, Nanos timeout = seconds(5)) {
    const Nanos deadline = monotonic_now() + timeout;
    while (err_text_.find(needle) == std::string::npos) {
      const Nanos left = deadline - monotonic_now();
      if (left <= 0 || !pump(err_, err_text_, left)) return false;
    }
    return true;
  }

  // Waits for the exit status (-1 if the process did not exit normally), collecting all output.
  int wait() {
    while (pump(out_, out_text_, seconds(30)) || pump(err_, err_text_, 0)) {
    }
    while (pump(err_, err_text_, seconds(30))) {
    }
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  const std::string &out() const { return out_text_; }
  const std::string &err() const { return err_text_; }

 private:
  // One read from `fd` into `text`; false at EOF or when nothing came within `timeout`.
  static bool pump(int fd, std::string &text, Nanos timeout) {
    if (fd < 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout / kNanosPerMilli)) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    text.append(buf, static_cast<size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
  bool exited_ = false;
  std::string out_text_, err_text_;
};

// The integer after "\"key\":" in the first JSON log line that has it; -1 if none.
inline long json_int_field(const std::string &text, const std::string &key) {
  const std::string k = "\"" + key + "\":";
  const size_t at = text.find(k);
  if (at == std::string::npos) return -1;
  return std::strtol(text.c_str() + at + k.size(), nullptr, 10);
}

}  // namespace ca::test
