// The compiled half of the `callagent` Python package. It sees only the public C ABI; each C
// handle gets a small RAII owner (create in the constructor, destroy in the destructor) that
// pybind11 holds, so a Python object's lifetime is the handle's.
#include <callagent/callagent.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <tuple>

namespace py = pybind11;

namespace {

struct VersionInfo {
  std::uint32_t major;
  std::uint32_t minor;
  std::uint32_t patch;
};

// Unpacks the run-time version, MAJOR * 10000 + MINOR * 100 + PATCH as the header defines it.
VersionInfo loaded_version() {
  const std::uint32_t packed = ca_version();
  return {packed / 10000, packed / 100 % 100, packed % 100};
}

}  // namespace

PYBIND11_MODULE(_callagent, m) {
  m.doc() = "libcallagent's C ABI; import the `callagent` package instead of this module.";

  // The string comes from ca_version_string() and the tuple from ca_version(), so a test that
  // compares them checks that the two entry points agree.
  m.def(
      "version", [] { return std::string(ca_version_string()); },
      "Version of the loaded libcallagent as \"MAJOR.MINOR.PATCH\".");
  m.def(
      "version_info",
      [] {
        const VersionInfo v = loaded_version();
        return std::make_tuple(v.major, v.minor, v.patch);
      },
      "Version of the loaded libcallagent as (major, minor, patch).");

  // What the module was compiled against; the same MAJOR as version_info() means the ABI matches.
  m.attr("ABI_VERSION") = py::int_(CALLAGENT_VERSION);
}
