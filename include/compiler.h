/* compiler.h - the compiler that built ovsweep, as its predefined macros name it (clang's
 * __VERSION__ names itself; gcc's is the version only): the file's `compiler` attribute and
 * --version. Header only. */
#ifndef OVS_COMPILER_H
#define OVS_COMPILER_H

#if defined(__clang__)
#define OVS_COMPILER __VERSION__
#elif defined(__GNUC__)
#define OVS_COMPILER "gcc " __VERSION__
#else
#define OVS_COMPILER "unknown"
#endif

#endif
