# 32-bit ARM Linux with glibc, hard float (arm-linux-gnueabihf: Debian's armhf, ARMv7-A with
# VFPv3-D16 and Thumb-2 by default), Debian's g++-arm-linux-gnueabihf and the :armhf
# multiarch -dev packages; tests run under qemu-arm. See docs/BUILDING.md ("Cross builds for
# ARM") and scripts/cross-test.sh.
#   cmake -S . -B build-cross-armhf -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/arm-linux-gnueabihf.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(CREDITMETER_CROSS_TRIPLE arm-linux-gnueabihf)
set(CREDITMETER_CROSS_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
# GCC notes on every std::vector/std::map iterator passed by value that their ARM parameter
# passing changed in GCC 7.1: an ABI note for mixing objects of GCC < 7.1, which this build
# never does, not a finding. Silenced so real warnings stand out.
set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi")
