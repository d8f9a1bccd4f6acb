# Installing the C++ library (included by CMakeLists.txt): the static library,
# the public headers (include/odonata/), a CMake package (odonata::odonata)
# and odonata.pc. Only what users need is exported: the include directory,
# C++20, ONNX and protobuf to link (and libdl when built with xgboost: fit --trees opens it);
# warnings and internals stay in the build.
include(CMakePackageConfigHelpers)

set(ODONATA_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/odonata)
install(TARGETS odonata EXPORT odonataTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/odonata DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(EXPORT odonataTargets NAMESPACE odonata:: DESTINATION ${ODONATA_CMAKE_DIR})

configure_package_config_file(cmake/odonataConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/odonataConfig.cmake
  INSTALL_DESTINATION ${ODONATA_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/odonataConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/odonataConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/odonataConfigVersion.cmake
  DESTINATION ${ODONATA_CMAKE_DIR})

# pkg-config: relocatable (prefix from the .pc file's own directory).
set(ODONATA_PC_LIBS_EXTRA "")
if(ODONATA_SANITIZE)
  set(ODONATA_PC_LIBS_EXTRA " -fsanitize=address,undefined")
endif()
file(RELATIVE_PATH ODONATA_PC_TO_PREFIX /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
string(REGEX REPLACE "/$" "" ODONATA_PC_TO_PREFIX "${ODONATA_PC_TO_PREFIX}")
# Built with xgboost (fit --trees): it is opened at run time (dlopen), so the
# static library's users link libdl where it is separate from libc.
set(ODONATA_PC_LIBS_XGBOOST "")
if(ODONATA_HAVE_XGBOOST AND CMAKE_DL_LIBS)
  set(ODONATA_PC_LIBS_XGBOOST " -l${CMAKE_DL_LIBS}")
endif()
configure_file(cmake/odonata.pc.in ${CMAKE_CURRENT_BINARY_DIR}/odonata.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/odonata.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
