/* The C ABI from C11: version macros and the run-time version agree. */
#include <callagent/callagent.h>
#include <string.h>

#include "check.h"

int main(void) {
  char expected[32];
  EXPECT(ca_version() == CALLAGENT_VERSION);
  EXPECT(CALLAGENT_VERSION ==
         CALLAGENT_VERSION_MAJOR * 10000 + CALLAGENT_VERSION_MINOR * 100 + CALLAGENT_VERSION_PATCH);
  snprintf(expected, sizeof expected, "%d.%d.%d", CALLAGENT_VERSION_MAJOR, CALLAGENT_VERSION_MINOR,
           CALLAGENT_VERSION_PATCH);
  EXPECT(ca_version_string() != NULL);
  EXPECT(strcmp(ca_version_string(), expected) == 0);
  return check_report();
}
