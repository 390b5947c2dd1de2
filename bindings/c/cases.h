/*
 * The shared conformance cases (cases.c): tests/cases/<name>.json, or
 * $ISMS_CASES_DIR/<name>.json (format: tests/cases/README.md), read with
 * cJSON. A missing or malformed file or case is a failed check, never a
 * skipped case.
 */
#ifndef ISMS_C_TEST_CASES_H
#define ISMS_C_TEST_CASES_H

#include "common.h"

const cJSON *field(const cJSON *obj, const char *key);
cJSON *load_cases(const char *file, const char *case_keys, const char *expect_keys);
int case_count(const cJSON *root);
bool json_bytes(const cJSON *v, char **out);
bool json_whole(const cJSON *v, double min, double max, int64_t *out);
int status_named(const cJSON *v);
int call_named(const cJSON *v);
bool join_names(const cJSON *names, char *out, size_t size);
void free_args(CallArgs *a);
bool read_args(enum Call what, const char *name, const cJSON *kase, const cJSON *defaults,
               CallArgs *a);

#endif
