/* A stand-in for the one header of Apple's SDK that ring's C code includes (to tell macOS
 * from iOS), so `cargo check --target aarch64-apple-darwin` can run its build script on
 * Linux. Only the macros ring reads, with macOS's values. Not for linking anything. */
#ifndef STINT_STUB_TARGET_CONDITIONALS_H
#define STINT_STUB_TARGET_CONDITIONALS_H
#define TARGET_OS_MAC 1
#define TARGET_OS_OSX 1
#define TARGET_OS_IPHONE 0
#define TARGET_OS_IOS 0
#define TARGET_OS_SIMULATOR 0
#define TARGET_OS_WATCH 0
#define TARGET_OS_TV 0
#endif
