#include "cli/args.hpp"

#include <cerrno>
#include <cstdlib>
#include <sstream>

namespace ca::cli {

bool Args::parse(int argc, char **argv, int first, const std::vector<OptionSpec> &specs) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::optional<std::string> inline_value;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const OptionSpec *spec = nullptr;
    for (const auto &s : specs) {
      if (s.name == name) spec = &s;
    }
    if (spec == nullptr) {
      error_ = "unknown option --" + name;
      return false;
    }
    if (spec->value.empty()) {
      if (inline_value) {
        error_ = "--" + name + " takes no value";
        return false;
      }
      values_[name] = "";
      continue;
    }
    if (inline_value) {
      values_[name] = *inline_value;
    } else if (i + 1 < argc) {
      values_[name] = argv[++i];
    } else {
      error_ = "--" + name + " needs a value " + spec->value;
      return false;
    }
  }
  return true;
}

std::optional<std::string> Args::get(const std::string &name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

bool Args::get_int(const std::string &name, int64_t min, int64_t max, int64_t &out) {
  auto v = get(name);
  if (!v) return true;
  errno = 0;
  char *end = nullptr;
  const long long x = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || errno != 0 || *end != '\0' || x < min || x > max) {
    std::ostringstream s;
    s << "--" << name << " must be an integer from " << min << " to " << max << ", not \"" << *v << "\"";
    error_ = s.str();
    return false;
  }
  out = x;
  return true;
}

bool Args::get_double(const std::string &name, double min, double max, double &out) {
  auto v = get(name);
  if (!v) return true;
  errno = 0;
  char *end = nullptr;
  const double x = std::strtod(v->c_str(), &end);
  if (v->empty() || errno != 0 || *end != '\0' || !(x >= min && x <= max)) {
    std::ostringstream s;
    s << "--" << name << " must be a number from " << min << " to " << max << ", not \"" << *v << "\"";
    error_ = s.str();
    return false;
  }
  out = x;
  return true;
}

std::string format_help(const std::string &usage, const std::string &description,
                        const std::vector<OptionSpec> &specs) {
  std::ostringstream s;
  s << "usage: " << usage << "\n\n" << description << "\n";
  if (!specs.empty()) s << "\noptions:\n";
  for (const auto &o : specs) {
    std::string left = "  --" + o.name + (o.value.empty() ? "" : " " + o.value);
    if (left.size() < 28) left.resize(28, ' ');
    else left += "\n" + std::string(28, ' ');
    s << left << o.help << "\n";
  }
  return s.str();
}

}  // namespace ca::cli
