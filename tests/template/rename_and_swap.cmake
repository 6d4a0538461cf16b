# SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
# SPDX-License-Identifier: BSD-3-Clause
#
# The README's "Make it yours", done by a machine, so that the template keeps its promise: the
# name is one line, and the task is the marked sections only. On a copy of the tree it renames the
# project, swaps in another task (SWAP_DIR: a blur of a picture; each FILE.part replaces the lines
# between the markers of FILE, and tst_demotask.cpp replaces tests/tst_demotask.cpp), checks that
# nothing else changed, then builds the copy (warnings are errors) and runs all its tests, its
# benchmark, its fuzzer's seeding, its lint and its fuzzer. `.ci/template` runs it:
#   cmake -DSOURCE_DIR=... -DWORK_DIR=... -DSWAP_DIR=... [-DGIT=git] [-DGENERATOR=Ninja]
#         [-DCXX_COMPILER=g++] [-DJOBS=2] -P rename_and_swap.cmake
cmake_minimum_required(VERSION 3.21)

foreach(variable SOURCE_DIR WORK_DIR SWAP_DIR)
    if(NOT ${variable})
        message(FATAL_ERROR "${variable} is not set")
    endif()
endforeach()
set(original ${WORK_DIR}/original) # the files as they were copied, while others may edit them
set(copy ${WORK_DIR}/src)
set(build ${WORK_DIR}/build)
set(name blurapp)
# A task is swapped between the lines holding these markers, in these files, by these parts.
set(begin_marker "==== YOUR TASK: BEGIN")
set(end_marker "==== YOUR TASK: END")
set(swapped worker.h worker.cpp mainwindow.cpp)
# The task's own test is swapped whole.
set(task_test tests/tst_demotask.cpp)
if(NOT JOBS)
    set(JOBS 2)
endif()

string(TIMESTAMP started "%s")
function(step text)
    string(TIMESTAMP now "%s")
    math(EXPR seconds "${now} - ${started}")
    message(STATUS "[${seconds} s] ${text}")
endfunction()

function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "failed (${result}): ${ARGN}")
    endif()
endfunction()

# Splits the file `path` at its markers: `head` ends with the begin marker's line, `section` is
# the lines between, `tail` starts with the end marker's line. Fails unless each marker is there
# exactly once, in that order.
function(split_at_markers path)
    file(READ ${path} text)
    foreach(marker IN ITEMS "${begin_marker}" "${end_marker}")
        string(REGEX MATCHALL "${marker}" found "${text}")
        list(LENGTH found count)
        if(NOT count EQUAL 1)
            message(FATAL_ERROR "${path}: expected one line with '${marker}', found ${count}")
        endif()
    endforeach()
    string(FIND "${text}" "${begin_marker}" begin)
    string(FIND "${text}" "${end_marker}" end)
    if(end LESS begin)
        message(FATAL_ERROR "${path}: '${end_marker}' comes before '${begin_marker}'")
    endif()
    string(SUBSTRING "${text}" ${begin} -1 rest)
    string(FIND "${rest}" "\n" newline)
    math(EXPR first "${begin} + ${newline} + 1") # the line after the begin marker's
    string(SUBSTRING "${text}" 0 ${end} before)
    string(FIND "${before}" "\n" newline REVERSE)
    math(EXPR last "${newline} + 1") # the end marker's line
    math(EXPR length "${last} - ${first}")
    string(SUBSTRING "${text}" 0 ${first} head)
    string(SUBSTRING "${text}" ${first} ${length} section)
    string(SUBSTRING "${text}" ${last} -1 tail)
    set(head "${head}" PARENT_SCOPE)
    set(section "${section}" PARENT_SCOPE)
    set(tail "${tail}" PARENT_SCOPE)
endfunction()

# The copy is the original but for the project's name, the marked sections and the task's test:
# same files, same bytes everywhere else. The build and the tests write nothing into it.
function(verify_copy when)
    file(GLOB_RECURSE present RELATIVE ${copy} LIST_DIRECTORIES false ${copy}/*)
    set(expected ${files})
    list(SORT present)
    list(SORT expected)
    if(NOT present STREQUAL expected)
        set(extra ${present})
        list(REMOVE_ITEM extra ${expected})
        set(missing ${expected})
        list(REMOVE_ITEM missing ${present})
        message(FATAL_ERROR "${when}, the copy has other files than the original: "
            "extra ${extra}, missing ${missing}")
    endif()
    set(changed)
    foreach(file IN LISTS files)
        if(file IN_LIST swapped)
            split_at_markers(${original}/${file})
            set(outside "${head}${tail}")
            split_at_markers(${copy}/${file})
            file(READ ${SWAP_DIR}/${file}.part part)
            if(NOT "${head}${tail}" STREQUAL "${outside}" OR NOT section STREQUAL part)
                list(APPEND changed ${file})
            endif()
        elseif(file STREQUAL "CMakeLists.txt")
            file(READ ${original}/${file} renamed)
            string(REGEX REPLACE "\nproject\\([A-Za-z0-9_]+ " "\nproject(${name} " renamed
                "${renamed}")
            file(READ ${copy}/${file} text)
            if(NOT text STREQUAL renamed)
                list(APPEND changed ${file})
            endif()
        else()
            set(expected_file ${original}/${file})
            if(file STREQUAL task_test)
                set(expected_file ${SWAP_DIR}/tst_demotask.cpp)
            endif()
            file(SHA256 ${expected_file} expected_hash)
            file(SHA256 ${copy}/${file} hash)
            if(NOT hash STREQUAL expected_hash)
                list(APPEND changed ${file})
            endif()
        endif()
    endforeach()
    if(changed)
        message(FATAL_ERROR "${when}, these files of the copy differ from the original beyond "
            "the name and the task: ${changed}")
    endif()
endfunction()

# 1. A copy of the project: the files git knows of (tracked, or new and not ignored), else the
#    whole tree without build folders.
file(REMOVE_RECURSE ${WORK_DIR})
if(GIT AND EXISTS ${SOURCE_DIR}/.git)
    execute_process(COMMAND ${GIT} ls-files --cached --others --exclude-standard
        WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE listed RESULT_VARIABLE result)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "git ls-files failed in ${SOURCE_DIR}")
    endif()
    string(REPLACE "\n" ";" listed "${listed}")
else()
    file(GLOB_RECURSE listed RELATIVE ${SOURCE_DIR} LIST_DIRECTORIES false ${SOURCE_DIR}/*)
    list(FILTER listed EXCLUDE REGEX "^(build|out)[^/]*/|^\\.git/")
endif()
set(files)
foreach(file IN LISTS listed)
    if(file AND EXISTS ${SOURCE_DIR}/${file}) # ls-files still lists a tracked file deleted here
        get_filename_component(folder ${file} DIRECTORY)
        file(MAKE_DIRECTORY ${original}/${folder} ${copy}/${folder})
        file(COPY_FILE ${SOURCE_DIR}/${file} ${original}/${file})
        file(COPY_FILE ${original}/${file} ${copy}/${file})
        list(APPEND files ${file})
    endif()
endforeach()
list(LENGTH files count)
step("copied ${count} files of ${SOURCE_DIR} to ${copy}")

# 2. Rename: the project() line of CMakeLists.txt, and nothing else.
file(READ ${copy}/CMakeLists.txt text)
string(REGEX MATCHALL "\nproject\\([A-Za-z0-9_]+ " lines "${text}")
list(LENGTH lines count)
if(NOT count EQUAL 1)
    message(FATAL_ERROR "expected one project() line in CMakeLists.txt, found ${count}")
endif()
string(REGEX REPLACE "\nproject\\([A-Za-z0-9_]+ " "\nproject(${name} " text "${text}")
file(WRITE ${copy}/CMakeLists.txt "${text}")

# 3. Swap the task: the lines between the markers, and the task's test.
foreach(file IN LISTS swapped)
    split_at_markers(${copy}/${file})
    file(READ ${SWAP_DIR}/${file}.part part)
    if(NOT part MATCHES "\n$")
        message(FATAL_ERROR "${SWAP_DIR}/${file}.part does not end with a line break")
    endif()
    file(WRITE ${copy}/${file} "${head}${part}${tail}")
endforeach()
if(NOT EXISTS ${copy}/${task_test})
    message(FATAL_ERROR "the original has no ${task_test} to swap")
endif()
file(COPY_FILE ${SWAP_DIR}/tst_demotask.cpp ${copy}/${task_test})
verify_copy("after the swap")
list(JOIN swapped ", " shown)
step("renamed to ${name}, swapped the task in ${shown} and ${task_test}; nothing else changed")

# 4. Build the copy: a debug build, warnings as errors.
set(options -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Werror")
if(GENERATOR)
    list(APPEND options -G ${GENERATOR})
endif()
if(CXX_COMPILER)
    list(APPEND options -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
endif()
run(${CMAKE_COMMAND} -S ${copy} -B ${build} ${options})
# The parts that build are run and tested even if another part does not.
set(keep_going)
if(GENERATOR MATCHES "Ninja")
    set(keep_going -- -k 0)
elseif(GENERATOR MATCHES "Makefiles")
    set(keep_going -- -k)
endif()
set(failures)
foreach(target all ${name}_bench)
    execute_process(COMMAND ${CMAKE_COMMAND} --build ${build} --parallel ${JOBS} --target ${target}
        ${keep_going} RESULT_VARIABLE result)
    if(NOT result EQUAL 0)
        list(APPEND failures "the build of ${target}")
    endif()
endforeach()
step("built ${build}")

# 5. The binary carries the new name, and its worker runs the new task.
set(environment ${CMAKE_COMMAND} -E env QT_QPA_PLATFORM=offscreen LANG=C.UTF-8)
execute_process(COMMAND ${environment} ${build}/${name} --version
    OUTPUT_VARIABLE output RESULT_VARIABLE result)
if(NOT result EQUAL 0 OR NOT output MATCHES "^${name} [0-9]")
    message(FATAL_ERROR "${name} --version says: ${output}")
endif()
execute_process(COMMAND ${environment} ${build}/${name} --worker --picture
    ${copy}/docs/screenshot.png OUTPUT_VARIABLE output ERROR_VARIABLE errors RESULT_VARIABLE result)
if(NOT result EQUAL 0 OR NOT output MATCHES "^a picture of [0-9]+ x [0-9]+ pixels, blurred")
    message(FATAL_ERROR "${name} --worker --picture docs/screenshot.png says: ${output}${errors}")
endif()
execute_process(COMMAND ${environment} ${build}/${name} --worker
    OUTPUT_VARIABLE output ERROR_VARIABLE errors RESULT_VARIABLE result)
if(result EQUAL 0 OR NOT errors MATCHES "--picture names none")
    message(FATAL_ERROR "${name} --worker without a picture says (${result}): ${output}${errors}")
endif()
step("${name} --worker blurs a picture")

# 6. Every test of the copy, then its benchmark and its fuzzer's seeding. A failure fails the whole
#    at the end, once all have run.
execute_process(COMMAND ${CMAKE_CTEST_COMMAND} --test-dir ${build} --output-on-failure
    --no-tests=error RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    list(APPEND failures "the copy's tests")
endif()
step("ran the copy's tests")

execute_process(COMMAND ${environment} ${build}/tests/bench/${name}_bench --quick
    RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    list(APPEND failures "${name}_bench --quick (${result})")
endif()
step("ran ${name}_bench --quick")

set(seeder ${copy}/tests/fuzz/make-seeds.sh)
if(EXISTS ${seeder})
    set(seeds ${WORK_DIR}/seeds)
    execute_process(COMMAND ${seeder} ${build}/tests/testworker ${seeds} RESULT_VARIABLE result)
    file(GLOB seed_files ${seeds}/*)
    list(LENGTH seed_files count)
    if(NOT result EQUAL 0 OR count EQUAL 0)
        list(APPEND failures "make-seeds.sh (${result}, ${count} seed files)")
    endif()
    step("make-seeds.sh wrote ${count} seed files")
else()
    step("SKIPPED the fuzzer's seeding: there is no tests/fuzz/make-seeds.sh")
endif()

# 7. The copy's lint and fuzzer, as CI runs them, in a git checkout of its own (both take the files
#    that git knows); skipped where their tools are missing (the fuzzer needs clang).
find_program(BASH bash)
find_program(CLANG_FORMAT clang-format)
find_program(CLANG_TIDY clang-tidy)
find_program(CLANG_CXX clang++)
if(GIT AND BASH AND CLANG_FORMAT AND CLANG_TIDY AND CLANG_CXX)
    set(checkout ${WORK_DIR}/checkout)
    file(REMOVE_RECURSE ${checkout})
    file(COPY ${copy}/ DESTINATION ${checkout})
    run(${GIT} -C ${checkout} init -q)
    run(${GIT} -C ${checkout} add -A)
    foreach(check lint fuzz)
        execute_process(COMMAND ${CMAKE_COMMAND} -E env FUZZ_SECONDS=10 ${BASH} .ci/${check}
            WORKING_DIRECTORY ${checkout} RESULT_VARIABLE result)
        if(NOT result EQUAL 0)
            list(APPEND failures "the copy's .ci/${check} (${result})")
        endif()
    endforeach()
    step("ran the copy's .ci/lint and .ci/fuzz (10 s)")
else()
    step("SKIPPED the copy's lint and fuzzer: git, bash, clang-format, clang-tidy or clang++ is "
        "missing")
endif()

string(REPLACE ";" ", " failures "${failures}")
if(failures)
    step("FAILED: ${failures}")
endif()
verify_copy("after building and testing")
if(failures)
    message(FATAL_ERROR "renamed to ${name} and swapped the task, but these failed: ${failures}")
endif()
step("renamed to ${name} and swapped the task: all passed")
