# Installs headers, the library and a relocatable CMake package, so an outside project's
# find_package(creditmeter) + target_link_libraries(app creditmeter::creditmeter) works.
include(CMakePackageConfigHelpers)

# creditmeter::creditmeter is the shared library when CREDITMETER_BUILD_SHARED is ON (the
# default); the static one is then installed too, as creditmeter::creditmeter_static.
set(CREDITMETER_INSTALL_TARGETS creditmeter)
if(TARGET creditmeter_shared)
  list(APPEND CREDITMETER_INSTALL_TARGETS creditmeter_shared)
endif()
install(TARGETS ${CREDITMETER_INSTALL_TARGETS} EXPORT creditmeterTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/creditmeter
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h" PATTERN "*.modulemap")
install(FILES ${PROJECT_BINARY_DIR}/include/creditmeter/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/creditmeter)

set(CREDITMETER_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/creditmeter)
install(EXPORT creditmeterTargets NAMESPACE creditmeter:: DESTINATION ${CREDITMETER_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/creditmeterConfig.cmake.in
  ${PROJECT_BINARY_DIR}/creditmeterConfig.cmake
  INSTALL_DESTINATION ${CREDITMETER_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/creditmeterConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/creditmeterConfig.cmake
              ${PROJECT_BINARY_DIR}/creditmeterConfigVersion.cmake
  DESTINATION ${CREDITMETER_CMAKE_DIR})

# pkg-config, for builds without CMake (Make, Meson, Xcode scripts): creditmeter.pc, relocatable
# (prefix found from the .pc file's own directory).
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(CREDITMETER_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(CREDITMETER_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  file(RELATIVE_PATH _cm_pc_up "/root/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/root")
  string(REGEX REPLACE "/$" "" _cm_pc_up "${_cm_pc_up}")
  set(CREDITMETER_PC_PREFIX "\${pcfiledir}/${_cm_pc_up}")
  set(CREDITMETER_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(CREDITMETER_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(CREDITMETER_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
if(CREDITMETER_WITH_CURL)
  set(CREDITMETER_PC_REQUIRES_PRIVATE "libcurl, libcrypto")
else()
  set(CREDITMETER_PC_REQUIRES_PRIVATE "libcrypto")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/creditmeter.pc.in ${PROJECT_BINARY_DIR}/creditmeter.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/creditmeter.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
