# Installs headers, the library and a relocatable CMake package, so an outside project's
# find_package(creditmeter) + target_link_libraries(app creditmeter::creditmeter) works.
include(CMakePackageConfigHelpers)

install(TARGETS creditmeter EXPORT creditmeterTargets
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
