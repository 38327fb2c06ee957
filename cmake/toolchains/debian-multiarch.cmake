# Shared part of the cross toolchain files of this folder: Debian's cross compilers
# (g++-<triple>) against the multiarch -dev packages of the target (libcurl4-openssl-dev:<arch>,
# libssl-dev:<arch>, libcpp-httplib-dev:<arch>) in /usr/lib/<triple>. Included by
# <triple>.cmake after it sets CREDITMETER_CROSS_TRIPLE, CREDITMETER_CROSS_QEMU and the
# CMAKE_SYSTEM_* variables. scripts/cross-test.sh installs the packages.
#
# No CMAKE_SYSROOT / CMAKE_FIND_ROOT_PATH: with multiarch the target's libraries live beside
# the host's, and CMake searches /usr/lib/<CMAKE_LIBRARY_ARCHITECTURE> (set from the compiler)
# before /usr/lib, so find_package/find_library pick the target's, never the host's
# /usr/lib/x86_64-linux-gnu. Architecture-independent packages (nlohmann-json3-dev, catch2:
# headers and CMake files only) are shared with the host.

set(CMAKE_C_COMPILER ${CREDITMETER_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${CREDITMETER_CROSS_TRIPLE}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${CREDITMETER_CROSS_TRIPLE})

# pkg-config (how CURL, OpenSSL and cpp-httplib are found) must read the target's .pc files
# only: the host's would hand out x86-64 libraries.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${CREDITMETER_CROSS_TRIPLE}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Test executables run under qemu-user: ctest, catch_discover_tests and add_test(COMMAND
# <target>) prefix them with this. "-L /": the target's dynamic loader and libc are the
# multiarch libc6:<arch> (/lib/ld-linux-*.so, /lib/<triple>/libc.so.6), which the -dev packages
# above bring in. Not "-L /usr/<triple>": that cross sysroot's loader is another glibc build
# (libc6-<arch>-cross) than the multiarch libc.so.6 the loader then finds through the host's
# ld.so.cache, and that mix hangs pthread_create (seen with a bare std::thread program).
if(NOT CMAKE_CROSSCOMPILING_EMULATOR)
  find_program(CREDITMETER_QEMU_EXECUTABLE ${CREDITMETER_CROSS_QEMU})
  if(CREDITMETER_QEMU_EXECUTABLE)
    set(CMAKE_CROSSCOMPILING_EMULATOR ${CREDITMETER_QEMU_EXECUTABLE} -L /)
  endif()
endif()
