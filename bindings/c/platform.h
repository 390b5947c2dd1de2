/*
 * What the C test program needs beyond C11 and POSIX 2008, per platform
 * (common.h includes it). On Windows (mingw-w64; `make windows-test` runs the
 * program under Wine): Winsock for the tiny admin client, and the few POSIX
 * calls the C runtime lacks, written in common.c. Tests that need POSIX alone
 * (fork) call skip() there instead: a printed reason, and a count in the
 * last line.
 */
#ifndef ISMS_C_TEST_PLATFORM_H
#define ISMS_C_TEST_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>

#include <direct.h>
#include <io.h>
#include <process.h>

typedef SOCKET socket_t;
#define SOCKET_OK(fd) ((fd) != INVALID_SOCKET)
#define close_socket closesocket
#define MSG_NOSIGNAL 0
#define getpid _getpid
#define rmdir _rmdir
#define unlink _unlink

/* POSIX calls missing from the Windows C runtime (common.c). */
#define setenv test_setenv
#define unsetenv test_unsetenv
#define mkdtemp test_mkdtemp
#define strndup test_strndup
int test_setenv(const char *name, const char *value, int overwrite);
int test_unsetenv(const char *name);
char *test_mkdtemp(char *template_path);
char *test_strndup(const char *s, size_t n);
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

typedef int socket_t;
#define SOCKET_OK(fd) ((fd) >= 0)
#define close_socket close
#endif

/* Winsock's start on Windows; nothing elsewhere. False on failure. */
bool platform_init(void);

/* A receive timeout on a socket, in seconds. */
void set_recv_timeout(socket_t fd, int seconds);

#endif
