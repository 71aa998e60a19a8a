/* The smallest program against libcallagent: checks that the library it loaded speaks the ABI
 * it was compiled against. */
#include <callagent/callagent.h>
#include <stdio.h>

int main(void) {
  const uint32_t loaded = ca_version();
  printf("libcallagent %s (built against %d.%d.%d)\n", ca_version_string(), CALLAGENT_VERSION_MAJOR,
         CALLAGENT_VERSION_MINOR, CALLAGENT_VERSION_PATCH);
  if (loaded / 10000 != CALLAGENT_VERSION_MAJOR) {
    fprintf(stderr, "ABI mismatch: loaded major %u\n", (unsigned)(loaded / 10000));
    return 1;
  }
  return 0;
}
