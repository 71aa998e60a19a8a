// A small command-line parser: `--name value`, `--name=value` and `--flag`, with errors that name
// the option. Every command declares its options so that --help prints them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ca::cli {

struct OptionSpec {
  std::string name;     // without the leading dashes
  std::string value;    // placeholder for --help, e.g. "HOST:PORT"; empty for a flag
  std::string help;
};

class Args {
 public:
  // Parses argv[first..]. False with error() set on an unknown option or a missing value.
  bool parse(int argc, char **argv, int first, const std::vector<OptionSpec> &specs);
  const std::string &error() const { return error_; }

  bool has(const std::string &name) const { return values_.count(name) != 0; }
  std::optional<std::string> get(const std::string &name) const;
  // Typed getters: false with error() set when the value does not parse or is out of range.
  bool get_int(const std::string &name, int64_t min, int64_t max, int64_t &out);
  bool get_double(const std::string &name, double min, double max, double &out);
  const std::vector<std::string> &positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
  std::string error_;
};

std::string format_help(const std::string &usage, const std::string &description,
                        const std::vector<OptionSpec> &specs);

}  // namespace ca::cli
