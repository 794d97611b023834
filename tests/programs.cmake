# Whole-program tests: the echelon command as users run it.
set(ECHELON_SCRIPTS ${CMAKE_CURRENT_SOURCE_DIR}/scripts)
set(ECHELON_MPIRUN "${MPIEXEC_EXECUTABLE}")

function(echelon_program_test name)
  add_test(NAME ${name} COMMAND ${ARGN})
  set_tests_properties(${name} PROPERTIES TIMEOUT 600 LABELS program
      ENVIRONMENT "${ECHELON_MPI_ENV};${ECHELON_MPI_ASAN};${ECHELON_TEST_ENV};ECHELON_MPIRUN=${ECHELON_MPIRUN};OMP_NUM_THREADS=1")
endfunction()

# Command-line basics: help, version, usage errors.
echelon_program_test(cli.basics bash ${ECHELON_SCRIPTS}/cli_basics.sh)

# The speed benchmarks' figures: medians, speed-ups and efficiencies from known runs.
echelon_program_test(tools.bench bash ${ECHELON_SCRIPTS}/bench_tools.sh)

# The documented column reference is the declared one.
echelon_program_test(docs.columns bash ${ECHELON_SCRIPTS}/docs_columns.sh)

# Malformed input through the program under mpirun: exit status 2, one message
# naming the file and line or row, and no results file left behind.  Every case of
# bad_input/ is loaded in-process by integration.test_bad_input; these few, one of
# each kind (YAML syntax, a missing file, a CSV header, a CSV value, a file read
# late in the chain, a setting; a sales history and an events file of echelon calibrate),
# also go through mpirun and the program's exit.
foreach(case_name yaml_syntax_error missing_csv_file unknown_column
                  hostile_demand_mean_1e308_csv snapshot_negative_on_hand variant_unsafe_name
                  calibrate_negative_sales calibrate_event_two_uplifts)
  echelon_program_test(bad_input.${case_name} bash ${ECHELON_SCRIPTS}/bad_input.sh
                       ${CMAKE_CURRENT_SOURCE_DIR}/bad_input/${case_name})
endforeach()

# Bitwise-identical results for any ranks x threads (under the sanitizers on 2,000 of
# the demo's 10,000 SKUs; the full catalogue runs there in plan.job_end).
echelon_program_test(determinism.demo bash ${ECHELON_SCRIPTS}/determinism.sh
    --configs "1x1 1x2 2x1 4x1" --sanitized-skus 2000 ${CMAKE_SOURCE_DIR}/scenarios/demo.yaml
    --replications 6 --days 60 --warmup 14)
echelon_program_test(determinism.pharmacy_chain bash ${ECHELON_SCRIPTS}/determinism.sh
    ${CMAKE_SOURCE_DIR}/scenarios/pharmacy_chain_csv.yaml --replications 20 --keep-replications)
# Disruption scenario set: regional event, Markov plant failures, partial deliveries,
# alternative sources and five variants.
echelon_program_test(determinism.regional_outage bash ${ECHELON_SCRIPTS}/determinism.sh
    --configs "1x1 1x2 2x1" ${CMAKE_SOURCE_DIR}/scenarios/regional_outage.yaml --replications 4 --days 200 --warmup 30)

# Batches and expiry: the bundled pharmacy study (returns, controlled and reserved
# stock, display minimums, cold rooms, lost-margin allocation, three variants).
echelon_program_test(determinism.pharmacy_study bash ${ECHELON_SCRIPTS}/determinism.sh
    --configs "1x1 1x2 2x1" ${CMAKE_SOURCE_DIR}/scenarios/pharmacy_today_vs_improved.yaml --replications 3 --days 100
    --warmup 30)

# Forecast-driven ordering (moving averages, the demand model's level, events,
# reduced supplier fill), both variants of the bundled practice study.
echelon_program_test(determinism.forecast bash ${ECHELON_SCRIPTS}/determinism.sh
    --configs "1x1 1x2 2x1" ${CMAKE_SOURCE_DIR}/scenarios/pharmacy_forecast_practice.yaml
    --replications 3 --days 120 --warmup 60)

# Substitution groups: a group whole on a rank is one unit, one cut by the ranks'
# pieces one unit per SKU, each simulating the group: the same numbers.
echelon_program_test(determinism.substitution bash ${ECHELON_SCRIPTS}/determinism.sh
    --configs "1x1 1x2 2x1 3x1" ${CMAKE_SOURCE_DIR}/tests/scenarios/substitution.yaml)

# ... its summary line, and tune and contract refusing active groups.
echelon_program_test(results.substitution bash ${ECHELON_SCRIPTS}/substitution.sh)

# Cold rooms: a chain with cold-chain SKUs, capacities and three variants; its
# results, /cold_chain groups included, 1x1 = 2x1 = 1x2 (the determinism test of
# this scenario), statistics recomputed from the daily occupancy, the summary's block.
echelon_program_test(results.cold_chain bash ${ECHELON_SCRIPTS}/cold_chain.sh)
# ... whose memory does not grow with replications: occupancy in blocks, the same
# statistics as from the whole array.
echelon_program_test(memory.cold_rooms bash ${ECHELON_SCRIPTS}/cold_memory.sh)

# Target tuning: identical at any ranks x threads, tune -> CSV -> run round trip,
# outputs never replaced unasked.
echelon_program_test(tune.small bash ${ECHELON_SCRIPTS}/tune.sh)

# Results never destroyed: existing outputs, inputs, missing folders, default names.
echelon_program_test(outputs.never_destroyed bash ${ECHELON_SCRIPTS}/outputs.sh)

# Stopped runs keep their work: SIGTERM, SIGINT, SIGUSR1 through mpirun and kill -9,
# then --resume gives the uninterrupted run's results file.
echelon_program_test(outputs.checkpoint_resume bash ${ECHELON_SCRIPTS}/checkpoint.sh)
# ... and stopped tunings and contract sizings: their phases saved, --resume gives the
# uninterrupted command's results file, CSV and summary.
echelon_program_test(outputs.checkpoint_tune bash ${ECHELON_SCRIPTS}/checkpoint_tune.sh)

# A full disk (a small tmpfs): exit 1 with one message, no hang, nothing left, on 1
# and 2 ranks (needs root to mount; skipped with status 77 elsewhere).
echelon_program_test(outputs.disk_full bash ${ECHELON_SCRIPTS}/disk_full.sh)
set_tests_properties(outputs.disk_full PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 240)

# Contract sizing: identical at any ranks x threads, verified below today's rule,
# commitments in a scenario simulated by run, outputs never replaced unasked.
echelon_program_test(contract.small bash ${ECHELON_SCRIPTS}/contract.sh)

# The results file: readable by h5py and xarray, and the README's example runs.
echelon_program_test(results.readers bash ${ECHELON_SCRIPTS}/results_readers.sh)

# Conservation read back from a results file with every replication kept.
echelon_program_test(results.conservation bash ${ECHELON_SCRIPTS}/conservation.sh)

# The Slurm batch script under a real single-node Slurm (needs root and the
# slurm packages; skipped with status 77 where they are missing).
echelon_program_test(slurm.run_sbatch bash ${CMAKE_SOURCE_DIR}/jobs/tests/test_run_sbatch.sh)
set_tests_properties(slurm.run_sbatch PROPERTIES SKIP_RETURN_CODE 77 LABELS "program;slurm")

# The day-by-day trace of one SKU.
echelon_program_test(trace.day_by_day bash ${ECHELON_SCRIPTS}/trace.sh)

# Fitting supplier lead times from delivery history (echelon fit-suppliers): a
# synthetic history, bad files, and the USAID SCMS data where shared/data has it.
echelon_program_test(fit.suppliers bash ${ECHELON_SCRIPTS}/fit_suppliers.sh)

# Demand models from sales history (echelon calibrate): outputs, refusals, the round
# trip history -> calibrate -> scenario -> simulated demand, the bundled Kaggle files.
echelon_program_test(calibrate.cli bash ${ECHELON_SCRIPTS}/calibrate.sh)

# Job sizing: echelon plan's table, bad arguments, its predictions against a real run.
echelon_program_test(plan.sizing bash ${ECHELON_SCRIPTS}/plan.sh)

# A run that will outlast its batch job (ECHELON_JOB_END, squeue) warns once.
echelon_program_test(plan.job_end bash ${ECHELON_SCRIPTS}/job_end.sh)

# Network variants (a base and its network_changes) and echelon compare: a variant
# without changes is its base bitwise, demand unchanged by closing a DC (common random
# numbers), each change as written, compare's zeros, signs and refusals.
echelon_program_test(network.design bash ${ECHELON_SCRIPTS}/network_design.sh)

# A network-design study under a real single-node Slurm: the job array of
# jobs/sweep.sbatch over a folder of scenario files and jobs/compare.sbatch after it
# (--dependency=afterok); skipped with status 77 where Slurm is missing.
echelon_program_test(slurm.sweep_sbatch bash ${CMAKE_SOURCE_DIR}/jobs/tests/test_sweep_sbatch.sh)
set_tests_properties(slurm.sweep_sbatch PROPERTIES SKIP_RETURN_CODE 77 LABELS "program;slurm")

# Results for people: the Python reader (python/echelon/results.py), echelon report
# and echelon export.  They run Python over results files and no C beyond a small
# run and the program's hand-over to Python, so they carry the label python, which
# the sanitizer build leaves out (tools/run-tests.sh).
echelon_program_test(results.python_reader bash ${ECHELON_SCRIPTS}/python_reader.sh)
echelon_program_test(report.cli bash ${ECHELON_SCRIPTS}/report_cli.sh)
echelon_program_test(report.tuned bash ${ECHELON_SCRIPTS}/report_tuned.sh)
# The report in headless Chromium: every chart rendered, no errors; the screenshot
# is kept as build/test-artefacts/report.png.
echelon_program_test(report.browser bash ${ECHELON_SCRIPTS}/report_browser.sh)
set_tests_properties(report.browser PROPERTIES ENVIRONMENT
    "${ECHELON_MPI_ENV};${ECHELON_MPI_ASAN};${ECHELON_TEST_ENV};ECHELON_MPIRUN=${ECHELON_MPIRUN};OMP_NUM_THREADS=1;ECHELON_ARTEFACTS=${CMAKE_BINARY_DIR}/test-artefacts")
set_tests_properties(results.python_reader report.cli report.tuned report.browser PROPERTIES
    LABELS "program;python")

# Every python example of README.md and results/README.md runs as written.  Python
# only (no C is exercised beyond a short run): not in the sanitizer build.
if(NOT ECHELON_SANITIZE)
  echelon_program_test(docs.examples bash ${ECHELON_SCRIPTS}/docs_examples.sh)
  set_tests_properties(docs.examples PROPERTIES LABELS "program;docs" TIMEOUT 120)
endif()

# The same bits on any x86-64: glibc's math forced onto its path for CPUs without
# FMA, and each vector width (ECHELON_SIMD), give the results of the native run.
echelon_program_test(determinism.same_bits bash ${ECHELON_SCRIPTS}/same_bits.sh
    --widths "scalar baseline avx2 avx512" --setup ${CMAKE_CURRENT_SOURCE_DIR}/scenarios/same_bits.yaml)
set_tests_properties(determinism.same_bits PROPERTIES SKIP_RETURN_CODE 77)

# Replications side by side in vector lanes against the scalar engine, under each
# instruction set, with what the lanes do lane by lane (tests/scenarios/lanes.yaml).
echelon_program_test(determinism.lanes bash ${ECHELON_SCRIPTS}/lanes.sh)
