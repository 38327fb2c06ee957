package io.creditmeter;

import java.io.File;
import java.net.URL;

/**
 * Loads libcreditmeter_jni: from the path in the system property
 * {@value #PATH_PROPERTY} when set, else from {@code java.library.path} (Android: the APK's
 * jniLibs), else from the install layout next to the jar
 * ({@code <prefix>/share/java/creditmeter.jar} and {@code <prefix>/<libdir>/}). A failure names
 * every place it looked.
 */
final class NativeLibrary {
  static final String NAME = "creditmeter_jni";
  static final String PATH_PROPERTY = "creditmeter.jni.library";

  private NativeLibrary() {}

  static void load() {
    String explicit = System.getProperty(PATH_PROPERTY);
    if (explicit != null && !explicit.isEmpty()) {
      try {
        System.load(explicit);
        return;
      } catch (UnsatisfiedLinkError e) {
        throw missing("at " + explicit + " (system property " + PATH_PROPERTY + ")", e);
      }
    }
    UnsatisfiedLinkError fromPath;
    try {
      System.loadLibrary(NAME);
      return;
    } catch (UnsatisfiedLinkError e) {
      fromPath = e;
    }
    File installed = besideJar();
    if (installed != null && installed.isFile()) {
      System.load(installed.getAbsolutePath());
      return;
    }
    throw missing("in java.library.path (" + System.getProperty("java.library.path") + ")"
        + (installed == null ? "" : " nor at " + installed.getAbsolutePath()), fromPath);
  }

  private static UnsatisfiedLinkError missing(String where, UnsatisfiedLinkError cause) {
    UnsatisfiedLinkError e = new UnsatisfiedLinkError("creditmeter: cannot load the native library "
        + System.mapLibraryName(NAME) + " " + where + ": " + cause.getMessage() + ". Install it (cmake --install puts it in"
        + " <prefix>/lib), pass -D" + PATH_PROPERTY + "=/path/to/" + System.mapLibraryName(NAME)
        + " or -Djava.library.path=<its directory>; on Android, package it under jniLibs/<abi>/.");
    e.initCause(cause);
    return e;
  }

  /** Where cmake --install puts the library, found from the jar's own location. */
  private static File besideJar() {
    try {
      URL jar = NativeLibrary.class.getProtectionDomain().getCodeSource().getLocation();
      File dir = new File(jar.toURI()).getParentFile();
      if (dir == null) {
        return null;
      }
      return new File(new File(dir, BuildConfig.LIBDIR_FROM_JAR_DIR), System.mapLibraryName(NAME));
    } catch (Exception e) {
      return null; // no code source (Android, some class loaders): nothing to look beside
    }
  }
}
