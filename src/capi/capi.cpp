#include "callagent/callagent.h"

extern "C" {

uint32_t ca_version(void) { return CALLAGENT_VERSION; }

const char *ca_version_string(void) { return CALLAGENT_VERSION_STRING; }
}
