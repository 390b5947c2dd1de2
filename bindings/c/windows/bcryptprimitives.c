/*
 * bcryptprimitives.dll for the C tests under Wine: ProcessPrng over
 * RtlGenRandom (advapi32's SystemFunction036).
 *
 * Rust's standard library (1.78 and later) draws its random numbers with
 * ProcessPrng from bcryptprimitives.dll, which Windows 10 and later have and
 * Wine 8.0 does not: without it, isms.dll fails to load under Wine. This stub
 * fills that emulator gap for `make windows-test` only (it is built into
 * target/windows/bin, beside the test programs, and preferred to Wine's own
 * copy with WINEDLLOVERRIDES); it is never shipped, and never needed on
 * Windows.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  while (length > 0) {
    ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
    if (!SystemFunction036(data, chunk)) return FALSE;
    data += chunk;
    length -= chunk;
  }
  return TRUE;
}
