/*
 * The library must stay mapped after dlclose(): PHP's FFI and other loaders
 * may unload it while one of its threads or thread-local destructors is still
 * pending. capi/build.rs links it with -z nodelete; this checks the effect.
 *
 *   test_unload path/to/libisms.so
 */
#include <dlfcn.h>
#include <stdio.h>

typedef const char *(*version_fn)(void);

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s LIBRARY\n", argv[0]);
    return 2;
  }
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  /* Only a call that leaves nothing behind: a client would register a
   * thread-local destructor, which by itself keeps glibc from unloading. */
  version_fn version = (version_fn)dlsym(lib, "isms_version");
  if (!version) {
    fprintf(stderr, "dlsym: %s\n", dlerror());
    return 1;
  }
  printf("loaded libisms %s\n", version());
  dlclose(lib);
  void *still = dlopen(argv[1], RTLD_NOW | RTLD_NOLOAD);
  if (!still) {
    fprintf(stderr, "FAIL: %s was unloaded by dlclose (not linked with -z nodelete)\n", argv[1]);
    return 1;
  }
  dlclose(still);
  printf("ok   the library stays loaded after dlclose\n");
  return 0;
}
