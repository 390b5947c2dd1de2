/* The shared conformance cases, tests/cases/<name>.json (format: tests/cases/README.md),
 * read with cJSON for the input, setting, reply and fault groups: see cases.h. */
#include "common.h"

#include <errno.h>

#include "cases.h"

/* The case files, tests/cases/<name>.json (format: tests/cases/README.md), found in
 * $ISMS_CASES_DIR, else in tests/cases under the current directory. Anything missing or
 * malformed is a failed check, never a skipped case. */

const cJSON *field(const cJSON *obj, const char *key) {
  return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* Whether every key of the object `obj` is one of `allowed` ("a|b"); the first other in *bad. */
static bool keys_in(const cJSON *obj, const char *allowed, const char **bad) {
  const cJSON *item;
  cJSON_ArrayForEach(item, obj) {
    if (!item->string || !in_list(allowed, item->string, strlen(item->string))) {
      *bad = item->string ? item->string : "(no key)";
      return false;
    }
  }
  return true;
}

/* <cases dir>/<file>, parsed, or NULL after a failed check: the file must be an object whose
 * "cases" is a non-empty array of objects with unique names, no key but `case_keys`, and an
 * "expect" object with no key but `expect_keys`. */
cJSON *load_cases(const char *file, const char *case_keys, const char *expect_keys) {
  const char *dir = getenv("ISMS_CASES_DIR");
  char path[1024], why[512] = "";
  snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "tests/cases", file);
  char *text = read_file(path);
  int read_errno = errno;
  cJSON *root = text ? cJSON_Parse(text) : NULL;
  const cJSON *cases = field(root, "cases"), *kase;
  const char *bad = NULL;
  if (!text) {
    snprintf(why, sizeof why, "cannot read it (%s)", strerror(read_errno));
  } else if (!root) {
    const char *at = cJSON_GetErrorPtr();
    snprintf(why, sizeof why, "not JSON (error at byte %ld)", at ? (long)(at - text) : -1L);
  } else if (!cJSON_IsObject(root)) {
    snprintf(why, sizeof why, "not a JSON object");
  } else if (!keys_in(root, "about|defaults|call_args|cases", &bad)) {
    snprintf(why, sizeof why, "unknown key \"%s\"", bad);
  } else if (!cJSON_IsArray(cases) || cJSON_GetArraySize(cases) == 0) {
    snprintf(why, sizeof why, "no \"cases\" array");
  }
  int n = 0;
  cJSON_ArrayForEach(kase, (why[0] ? NULL : cases)) {
    const cJSON *name = field(kase, "name"), *expect = field(kase, "expect");
    n++;
    if (!cJSON_IsObject(kase) || !cJSON_IsString(name) || !name->valuestring[0]) {
      snprintf(why, sizeof why, "case %d has no name", n);
    } else if (!keys_in(kase, case_keys, &bad)) {
      snprintf(why, sizeof why, "\"%s\": unknown key \"%s\"", name->valuestring, bad);
    } else if (!cJSON_IsObject(expect)) {
      snprintf(why, sizeof why, "\"%s\": no \"expect\" object", name->valuestring);
    } else if (!keys_in(expect, expect_keys, &bad)) {
      snprintf(why, sizeof why, "\"%s\": unknown key \"expect.%s\"", name->valuestring, bad);
    }
    for (const cJSON *earlier = cases->child; !why[0] && earlier != kase; earlier = earlier->next) {
      if (strcmp(field(earlier, "name")->valuestring, name->valuestring) == 0)
        snprintf(why, sizeof why, "\"%s\" is the name of two cases", name->valuestring);
    }
    if (why[0]) break;
  }
  free(text);
  if (!CHECK(!why[0], "%s: %d cases%s%s", path, why[0] ? 0 : n, why[0] ? ": " : "", why)) {
    cJSON_Delete(root);
    return NULL;
  }
  return root;
}

/* The number of cases of a file loaded by load_cases (0 for NULL). */
int case_count(const cJSON *root) { return cJSON_GetArraySize(field(root, "cases")); }

/* An input value as a C string, malloc'd in *out: a JSON string, {"hex": ".."} (raw bytes,
 * maybe not UTF-8), or null (*out = NULL). False when it is none of these. */
bool json_bytes(const cJSON *v, char **out) {
  *out = NULL;
  if (cJSON_IsNull(v)) return true;
  if (cJSON_IsString(v)) return (*out = strdup(v->valuestring)) != NULL;
  const cJSON *hex = field(v, "hex");
  const char *bad;
  if (!cJSON_IsObject(v) || !keys_in(v, "hex", &bad) || !cJSON_IsString(hex)) return false;
  size_t len = strlen(hex->valuestring);
  char *bytes = len % 2 == 0 ? malloc(len / 2 + 1) : NULL;
  if (!bytes) return false;
  for (size_t i = 0; i < len / 2; i++) {
    int hi = hexval(hex->valuestring[2 * i]), lo = hexval(hex->valuestring[2 * i + 1]);
    if (hi < 0 || lo < 0 || hi + lo == 0) { /* a C string holds no NUL */
      free(bytes);
      return false;
    }
    bytes[i] = (char)(hi * 16 + lo);
  }
  bytes[len / 2] = '\0';
  *out = bytes;
  return true;
}

/* A JSON number that is a whole number in [min, max] (read as valuedouble: cJSON's valueint
 * saturates at INT_MAX). */
bool json_whole(const cJSON *v, double min, double max, int64_t *out) {
  if (!cJSON_IsNumber(v) || !(v->valuedouble >= min && v->valuedouble <= max)) return false;
  *out = (int64_t)v->valuedouble;
  return (double)*out == v->valuedouble;
}

/* "OK", "ERR_AUTH", ...: the status it names without ISMS_, or -1. */
int status_named(const cJSON *v) {
  /* Every status the library names: the first unnamed value ends the table. */
  for (int32_t i = 0; cJSON_IsString(v) && strcmp(isms_status_name(i), "ISMS_UNKNOWN") != 0; i++) {
    const char *n = isms_status_name(i);
    if (strncmp(n, "ISMS_", 5) == 0 && strcmp(n + 5, v->valuestring) == 0) return (int)i;
  }
  return -1;
}

/* "send", "verify" or "balance": the call, or -1. */
int call_named(const cJSON *v) {
  for (int i = 0; cJSON_IsString(v) && i < 3; i++)
    if (strcmp(CALL_NAMES[i], v->valuestring) == 0) return i;
  return -1;
}

/* A case's "names" joined with '|' for names_arg; false unless a non-empty array of strings.
 * The C ABI calls verify's `interval` `interval_minutes` (isms.h), so that name counts too. */
bool join_names(const cJSON *names, char *out, size_t size) {
  const cJSON *n;
  out[0] = '\0';
  if (!cJSON_IsArray(names) || cJSON_GetArraySize(names) == 0) return false;
  cJSON_ArrayForEach(n, names) {
    size_t used = strlen(out);
    if (!cJSON_IsString(n)) return false;
    int w = snprintf(out + used, size - used, "%s%s%s", used ? "|" : "", n->valuestring,
                     strcmp(n->valuestring, "interval") == 0 ? "|interval_minutes" : "");
    if (w < 0 || (size_t)w >= size - used) return false;
  }
  return true;
}

void free_args(CallArgs *a) {
  for (size_t i = 0; i < sizeof a->owned / sizeof a->owned[0]; i++) {
    free(a->owned[i]);
    a->owned[i] = NULL;
  }
}

/* The arguments of a send or a verify: each the case's own value, else the default (either
 * object may be NULL). False, after a failed check naming the argument, when one is missing
 * or malformed. */
bool read_args(enum Call what, const char *name, const cJSON *kase, const cJSON *defaults,
               CallArgs *a) {
  *a = (CallArgs){0};
  struct Slot {
    const char *key;
    const char **to;
  } send[] = {{"mobile", &a->mobile},
              {"country_code", &a->country_code},
              {"message", &a->message},
              {"sender_id", &a->sender_id}},
    verify[] = {{"mobile", &a->mobile}, {"country_code", &a->country_code},
                {"code", &a->code},     {"sms_id", &a->sms_id},
                {"uuid", &a->uuid},     {"sender_id", &a->sender_id}};
  const struct Slot *slots = what == SEND ? send : verify;
  size_t n = what == SEND ? sizeof send / sizeof send[0] : sizeof verify / sizeof verify[0];
  const char *bad = NULL;
  for (size_t i = 0; i < n && !bad; i++) {
    const cJSON *v = field(kase, slots[i].key) ? field(kase, slots[i].key)
                                                : field(defaults, slots[i].key);
    if (!json_bytes(v, &a->owned[i])) bad = slots[i].key;
    *slots[i].to = a->owned[i];
  }
  const char *number = what == SEND ? "type" : "interval";
  const cJSON *v = field(kase, number) ? field(kase, number) : field(defaults, number);
  int64_t x = 0;
  if (!bad && !(what == SEND ? json_whole(v, INT32_MIN, INT32_MAX, &x)
                             : json_whole(v, 0, UINT32_MAX, &x)))
    bad = number;
  a->type = what == SEND ? (int32_t)x : 0;
  a->interval = what == VERIFY ? (uint32_t)x : 0;
  if (bad) {
    CHECK(false, "%s: argument %s missing or malformed (a string, {\"hex\": ..} or null; %s a "
                 "number in range)", name, bad, number);
    free_args(a);
  }
  return !bad;
}
