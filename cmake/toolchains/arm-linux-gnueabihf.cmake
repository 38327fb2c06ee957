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
# Large-file interfaces (_FILE_OFFSET_BITS=64): 32-bit glibc's plain readdir() and stat()
# fail with EOVERFLOW on a 64-bit inode number or directory offset, and ext4 hands 64-bit
# directory offsets to every process of a 64-bit kernel, so under qemu-user the journal's
# scan for a dead process's journal saw no entry at all. Bionic's are 64-bit anyway.
set(CMAKE_C_FLAGS_INIT "-D_FILE_OFFSET_BITS=64")
# -Wno-psabi: GCC's note on every std::vector/std::map iterator passed by value that ARM
# parameter passing changed in GCC 7.1, for mixing objects of GCC < 7.1, which this build
# never does. Silenced so real warnings stand out.
set(CMAKE_CXX_FLAGS_INIT "-D_FILE_OFFSET_BITS=64 -Wno-psabi")
