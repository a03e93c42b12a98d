# `vaultwatch detect` on tenants of 10k to 10M keys (the generator's tenant cloned, callers keep
# their 1-3 vault working sets): events per CPU-second, peak RSS and state bytes per key for each,
# measured on a child `vaultwatch detect` (wait4 rusage). Figures and commands: bench/README.md.
#   build/<dir>/bench/scale_bench --input /tmp/gen.ndjson [--keys 10000,100000,1000000,10000000]
if(TARGET vw_detectors)
  vw_cc_binary(NAME scale_bench SRCS scale_bench.cc DEPS vw_base)
endif()
