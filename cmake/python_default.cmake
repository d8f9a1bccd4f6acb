# The default of ODONATA_PYTHON: ON when pybind11's headers and the headers of the
# interpreter python/CMakeLists.txt builds for are installed; OFF for sanitizer and fuzzing builds
# (the interpreter is not instrumented: an instrumented module needs the runtimes preloaded).
set(ODONATA_PYTHON_DEFAULT OFF)
if(NOT ODONATA_FUZZ AND NOT ODONATA_SANITIZE)
  find_file(ODONATA_PYBIND11_HEADER pybind11/pybind11.h)
  if(DEFINED Python3_EXECUTABLE)
    set(_odonata_py "${Python3_EXECUTABLE}")
  elseif(EXISTS /usr/bin/python3)
    set(_odonata_py /usr/bin/python3)
  else()
    find_program(_odonata_py python3)
  endif()
  if(ODONATA_PYBIND11_HEADER AND _odonata_py)
    execute_process(COMMAND "${_odonata_py}" -c "import sysconfig; print(sysconfig.get_paths()['include'])"
      OUTPUT_VARIABLE _odonata_py_include OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(_odonata_py_include AND EXISTS "${_odonata_py_include}/Python.h")
      set(ODONATA_PYTHON_DEFAULT ON)
    endif()
  endif()
  if(NOT ODONATA_PYTHON_DEFAULT)
    message(STATUS "odonata: the Python package is off (needs pybind11-dev and python3-dev)")
  endif()
endif()
