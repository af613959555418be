/*
 * A test-only bcryptprimitives.dll for Wine 8.0, which has none.
 *
 * Go 1.24 and later programs on Windows take their random bytes from
 * ProcessPrng in bcryptprimitives.dll and stop at start if it is
 * missing. Real Windows (8 and later) has the DLL; Wine 8.0 does not.
 * This stand-in exports ProcessPrng and fills the buffer from advapi32's
 * RtlGenRandom (exported as SystemFunction036), which Wine implements.
 * It is copied only into the Wine prefix that `make test-windows` uses
 * and never ships.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    /* RtlGenRandom takes a 32-bit length: fill large buffers in parts. */
    while (length > 0) {
        ULONG part = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, part))
            return FALSE;
        data += part;
        length -= part;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
    (void)instance;
    (void)reason;
    (void)reserved;
    return TRUE;
}
