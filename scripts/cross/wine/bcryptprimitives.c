/* Wine 8 (Debian 12's) lacks bcryptprimitives.dll, whose ProcessPrng Rust's standard
 * library calls for random bytes on Windows (Windows 10 and later always have it). This
 * stand-in, copied into the test's Wine prefix by scripts/test-windows.sh, answers from
 * RtlGenRandom (advapi32's SystemFunction036), which Wine implements. Test-only: it is
 * never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
