/* Compiled by tests/c/check_module.sh: Objective-C's explicit module import, as an app on
 * Apple platforms (or Swift's `import CreditMeter`) uses it. */
@import CreditMeter;

int module_test_objc(void);

int module_test_objc(void) {
  cm_session_options options;
  cm_session_options_init(&options);
  return cm_status_str(CM_E_NETWORK) != 0 && CREDITMETER_VERSION_MAJOR >= 0 ? 0 : 1;
}
