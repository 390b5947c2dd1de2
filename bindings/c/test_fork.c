/* The C test program (main.c): fork. */
#include "common.h"

#ifdef _WIN32
void test_fork(void) {
  g_area = "fork";
  skip("a forked child's call on the inherited client", "Windows has no fork()");
}
#else
#include <sys/wait.h>
#include <unistd.h>

void test_fork(void) {
  g_area = "fork";
  char ptag[64], ctag[64];
  make_tag(ptag, sizeof ptag, "fork-parent");
  make_tag(ctag, sizeof ctag, "fork-child");
  IsmsClient *c = client_for(SB.password, ptag, NULL, pool_ca(4));
  if (!CHECK(c != NULL, "client")) return;
  Outcome o = call(c, BALANCE);
  CHECK_STATUS(o.status, ISMS_OK, o.message, "parent warms its connection");
  int ready[2];
  if (!CHECK(pipe(ready) == 0, "pipe")) {
    isms_client_free(c);
    return;
  }
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    /* The child: same client, a call of its own; report through the exit status. */
    close(ready[0]);
    int rc = set_tag(c, ctag, NULL) == ISMS_OK ? 0 : 2;
    if (rc == 0) {
      IsmsBalanceResult *b = isms_balance(c);
      rc = b->status == ISMS_OK ? 0 : 10 + (int)b->status;
      isms_balance_result_free(b);
    }
    char byte = (char)rc;
    if (write(ready[1], &byte, 1) != 1) rc = 3;
    close(ready[1]);
    isms_client_free(c);
    _exit(rc);
  }
  close(ready[1]);
  CHECK(pid > 0, "fork");
  char byte = 1;
  bool got = pid > 0 && read(ready[0], &byte, 1) == 1;
  close(ready[0]);
  CHECK(got && byte == 0, "the child's call on the inherited client OK (code %d)", (int)byte);
  /* right after the child's call, before its exit (under memcheck the child's exit is slow) */
  o = call(c, BALANCE);
  CHECK_STATUS(o.status, ISMS_OK, o.message, "parent calls again after the child");
  int status = -1;
  if (pid > 0) waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child exited with status 0 (%d)",
        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  Stats p = stats(ptag), ch = stats(ctag);
  CHECK(p.n_ids == 2 && ch.n_ids == 1, "2 parent requests, 1 child request (%d, %d)", p.n_ids,
        ch.n_ids);
  if (p.n_ids == 2 && ch.n_ids == 1) {
    CHECK(ch.ids[0] != p.ids[0], "the child used a connection of its own (%ld, parent %ld)",
          ch.ids[0], p.ids[0]);
    CHECK(p.ids[1] == p.ids[0], "the parent reused its original connection (%ld, then %ld)",
          p.ids[0], p.ids[1]);
  }
  isms_client_free(c);
}
#endif
