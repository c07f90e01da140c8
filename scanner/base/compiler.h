/*
 * base/compiler.h - attributes used across sesame.
 */
#ifndef SESAME_BASE_COMPILER_H
#define SESAME_BASE_COMPILER_H

#define FORMAT(fmt, args) __attribute__((format(printf, fmt, args)))
#define NODISCARD __attribute__((warn_unused_result))
#define MALLOC __attribute__((malloc))
#define NORETURN __attribute__((noreturn))
#define UNUSED __attribute__((unused))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
