#include <callagent/callagent.h>
#include <stdio.h>

int main(void) {
  printf("consumer linked libcallagent %s\n", ca_version_string());
  return ca_version() == CALLAGENT_VERSION ? 0 : 1;
}
