#include <cstdio>
#include <cstring>
#include <string>

#include "callagent/callagent.h"

int main(int argc, char **argv) {
  if (argc >= 2 && (std::strcmp(argv[1], "--version") == 0)) {
    std::printf("callagent %s\n", ca_version_string());
    return 0;
  }
  std::fprintf(stderr, "usage: callagent --version\n");
  return 2;
}
