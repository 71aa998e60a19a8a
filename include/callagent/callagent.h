/*
 * libcallagent — the C ABI.
 *
 * This header is the specification of the library's stable interface. Every exported symbol
 * starts with `ca_`, every macro and enum value with `CA_` or `CALLAGENT_`; nothing else leaves
 * the shared library.
 *
 * Versioning: CALLAGENT_VERSION_MAJOR changes only when the ABI breaks (and then the SONAME
 * changes with it); MINOR grows when functions or struct tail fields are added; PATCH is for
 * fixes. CALLAGENT_VERSION packs the three as MAJOR * 10000 + MINOR * 100 + PATCH.
 */
#ifndef CALLAGENT_CALLAGENT_H
#define CALLAGENT_CALLAGENT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CALLAGENT_VERSION_MAJOR 0
#define CALLAGENT_VERSION_MINOR 1
#define CALLAGENT_VERSION_PATCH 0
#define CALLAGENT_VERSION \
  (CALLAGENT_VERSION_MAJOR * 10000 + CALLAGENT_VERSION_MINOR * 100 + CALLAGENT_VERSION_PATCH)

#if defined(CALLAGENT_BUILDING)
#define CA_API __attribute__((visibility("default")))
#else
#define CA_API
#endif

/*
 * The version of the library actually loaded, packed as CALLAGENT_VERSION is. A program built
 * against this header may compare the two: the same MAJOR means the ABI matches.
 * Thread-safe; may be called at any time.
 */
CA_API uint32_t ca_version(void);

/*
 * The same version as a static string "MAJOR.MINOR.PATCH". Never NULL; never freed.
 */
CA_API const char *ca_version_string(void);

#ifdef __cplusplus
}
#endif

#endif /* CALLAGENT_CALLAGENT_H */
