# SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
# SPDX-License-Identifier: BSD-3-Clause
#
# README's "Make it yours", done by a machine, so that the template keeps its promise: renaming is
# one line, and swapping the task touches only the banners in worker.h/.cpp and tests/demotask.h.
#   cmake -DSOURCE_DIR=... -DWORK_DIR=... -DSWAP_DIR=... [-DGIT=git] [-DGENERATOR=Ninja]
#         [-DPATCH=fix.patch] -P rename_and_swap.cmake
# PATCH, a unified diff applied to the copy after the swap, is for trying a fix of the machinery
# or the tests by hand; the test itself never sets it.
cmake_minimum_required(VERSION 3.21)

foreach(variable SOURCE_DIR WORK_DIR SWAP_DIR)
    if(NOT ${variable})
        message(FATAL_ERROR "${variable} is not set")
    endif()
endforeach()
set(copy ${WORK_DIR}/src)
set(build ${WORK_DIR}/build)
set(name myapp)

function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "failed (${result}): ${ARGN}")
    endif()
endfunction()

# 1. A copy of the project: the files git knows of (tracked, or new and not ignored), else the
#    whole tree without build folders.
file(REMOVE_RECURSE ${WORK_DIR})
if(GIT AND EXISTS ${SOURCE_DIR}/.git)
    execute_process(COMMAND ${GIT} ls-files --cached --others --exclude-standard
        WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE files RESULT_VARIABLE result)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "git ls-files failed in ${SOURCE_DIR}")
    endif()
    string(REPLACE "\n" ";" files "${files}")
else()
    file(GLOB_RECURSE files RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/*)
    list(FILTER files EXCLUDE REGEX "^(build|out)[^/]*/|^\\.git/")
endif()
foreach(file IN LISTS files)
    if(file AND EXISTS ${SOURCE_DIR}/${file}) # ls-files still lists a tracked file deleted here
        get_filename_component(folder ${copy}/${file} DIRECTORY)
        file(MAKE_DIRECTORY ${folder})
        file(COPY_FILE ${SOURCE_DIR}/${file} ${copy}/${file})
    endif()
endforeach()

# 2. Rename: the project() line of CMakeLists.txt, and nothing else.
file(READ ${copy}/CMakeLists.txt text)
string(REGEX MATCHALL "\nproject\\([A-Za-z0-9_]+ " lines "${text}")
list(LENGTH lines count)
if(NOT count EQUAL 1)
    message(FATAL_ERROR "expected one project() line in CMakeLists.txt, found ${count}")
endif()
string(REGEX REPLACE "\nproject\\([A-Za-z0-9_]+ " "\nproject(${name} " text "${text}")
file(WRITE ${copy}/CMakeLists.txt "${text}")

# 3. Swap the task: from the YOUR TASK GOES HERE banner to the machinery's banner, in both files.
function(swap_section file part)
    file(READ ${copy}/${file} text)
    string(FIND "${text}" "YOUR TASK GOES HERE" task)
    string(FIND "${text}" "The machinery" machinery)
    if(task EQUAL -1 OR machinery EQUAL -1 OR machinery LESS task)
        message(FATAL_ERROR "${file} lacks the YOUR TASK GOES HERE or The machinery banner")
    endif()
    string(SUBSTRING "${text}" 0 ${task} before)
    string(FIND "${before}" "// =====" begin REVERSE)
    string(SUBSTRING "${text}" 0 ${machinery} before)
    string(FIND "${before}" "// =====" end REVERSE)
    string(SUBSTRING "${text}" 0 ${begin} head)
    string(SUBSTRING "${text}" ${end} -1 tail)
    file(READ ${SWAP_DIR}/${part} section)
    file(WRITE ${copy}/${file} "${head}${section}${tail}")
endfunction()
swap_section(worker.h worker.h.part)
swap_section(worker.cpp worker.cpp.part)
file(COPY_FILE ${SWAP_DIR}/demotask.h ${copy}/tests/demotask.h)
if(PATCH)
    execute_process(COMMAND ${GIT} apply ${PATCH} WORKING_DIRECTORY ${copy} RESULT_VARIABLE result)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "cannot apply ${PATCH}")
    endif()
endif()

# 4. Build the copy, warnings as errors, and run its tests but the slow ones.
set(generator)
if(GENERATOR)
    set(generator -G ${GENERATOR})
endif()
run(${CMAKE_COMMAND} -S ${copy} -B ${build} ${generator} "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Werror")
run(${CMAKE_COMMAND} --build ${build} --parallel 2)
run(${CMAKE_CTEST_COMMAND} --test-dir ${build} --output-on-failure
    --label-exclude "template|soak|bench|fuzz")

# 5. The binary carries the new name, and says so.
if(NOT EXISTS ${build}/${name} AND NOT EXISTS ${build}/${name}.exe)
    message(FATAL_ERROR "no binary named ${name} in ${build}")
endif()
execute_process(COMMAND ${build}/${name} --version OUTPUT_VARIABLE version RESULT_VARIABLE result)
if(NOT result EQUAL 0 OR NOT version MATCHES "^${name} [0-9]")
    message(FATAL_ERROR "${name} --version says: ${version}")
endif()
execute_process(COMMAND ${build}/${name} --worker --repeat 1000 OUTPUT_VARIABLE output
    RESULT_VARIABLE result)
if(NOT result EQUAL 0 OR NOT output MATCHES "checksum [0-9a-f]+ after 1000 rounds")
    message(FATAL_ERROR "${name} --worker --repeat 1000 says: ${output}")
endif()
message(STATUS "renamed to ${name} and swapped the task: ${version}")
