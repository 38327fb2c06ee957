/* Compiled by tests/c/check_module.sh with clang -fmodules: the #include below becomes an
 * import of the CreditMeter module (include/creditmeter/module.modulemap), the way Swift's
 * `import CreditMeter` sees the C ABI. */
#include <creditmeter/creditmeter.h>

int module_test(void);

int module_test(void) {
  cm_client_options options;
  cm_client_options_init(&options);
  return (int)CM_OK + CREDITMETER_VERSION_MAJOR * 0 + (cm_session_may_render(NULL) ? 1 : 0);
}
