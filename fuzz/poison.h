/* SPDX-License-Identifier: MIT */
/* ASan's poisoning macros, or no-ops in a build without ASan: a fuzz
 * target poisons the bytes past its input so an over-read is caught. */
#ifndef VIPD_FUZZ_POISON_H
#define VIPD_FUZZ_POISON_H

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#endif

#endif
