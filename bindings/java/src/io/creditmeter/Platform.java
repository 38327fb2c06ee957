package io.creditmeter;

/** Facts of the platform the binding runs on. */
final class Platform {
  private Platform() {}

  /** Android has no default state directory for the usage journal; desktop JVMs do. */
  static boolean hasDefaultStateDirectory() {
    return !isAndroid();
  }

  static boolean isAndroid() {
    String vm = System.getProperty("java.vm.name", "");
    String vendor = System.getProperty("java.vendor", "");
    return vm.contains("Dalvik") || vendor.contains("Android");
  }
}
