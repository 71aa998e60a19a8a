/* A minimal check harness for the C11 tests of the C ABI. */
#ifndef CALLAGENT_TESTS_CAPI_CHECK_H
#define CALLAGENT_TESTS_CAPI_CHECK_H

#include <stdio.h>

static int check_passed = 0;
static int check_failed = 0;

#define EXPECT(cond)                                                        \
  do {                                                                      \
    if (cond) {                                                             \
      ++check_passed;                                                       \
    } else {                                                                \
      fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);   \
      ++check_failed;                                                       \
    }                                                                       \
  } while (0)

/* Prints the closing line and returns the exit status. */
static int check_report(void) {
  printf("%d passed, %d failed\n", check_passed, check_failed);
  return check_failed == 0 && check_passed > 0 ? 0 : 1;
}

#endif
