# 64-bit ARM Linux with glibc (aarch64-linux-gnu), Debian's g++-aarch64-linux-gnu and the
# :arm64 multiarch -dev packages; tests run under qemu-aarch64. See docs/BUILDING.md
# ("Cross builds for ARM") and scripts/cross-test.sh.
#   cmake -S . -B build-cross-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CREDITMETER_CROSS_TRIPLE aarch64-linux-gnu)
set(CREDITMETER_CROSS_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
