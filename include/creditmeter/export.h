/* CREDITMETER_API: marks the symbols libcreditmeter exports. Plain C, shared by the C ABI
 * (creditmeter.h) and the C++ API (the creditmeter .hpp headers).
 *
 * The library is compiled with hidden visibility (-fvisibility=hidden
 * -fvisibility-inlines-hidden) and linked with a version script, so only declarations
 * marked CREDITMETER_API (the cm_* functions and the public creditmeter:: classes and
 * functions) are visible to programs that link libcreditmeter.so. Define CREDITMETER_API
 * yourself before including any creditmeter header to override it. */
#ifndef CREDITMETER_EXPORT_H
#define CREDITMETER_EXPORT_H

#ifndef CREDITMETER_API
#if defined(_WIN32) || defined(__CYGWIN__)
/* Windows is not a supported platform yet; a DLL build would define CREDITMETER_BUILDING_DLL. */
#if defined(CREDITMETER_BUILDING_DLL)
#define CREDITMETER_API __declspec(dllexport)
#elif defined(CREDITMETER_USING_DLL)
#define CREDITMETER_API __declspec(dllimport)
#else
#define CREDITMETER_API
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define CREDITMETER_API __attribute__((visibility("default")))
#else
#define CREDITMETER_API
#endif
#endif

#endif /* CREDITMETER_EXPORT_H */
