# vaultwatch image: a build stage that compiles `vaultwatch` with the packages scripts/setup lists
# (--build-only), and a runtime stage on Debian slim with only the shared libraries the binary
# links (found with ldd in the build stage, so no second package list to keep in sync), a
# non-root user, /etc/vaultwatch for configuration and a volume for the RocksDB state.
#
#   docker build -t vaultwatch .            (or: podman build; scripts/image-check builds and runs it)
#   docker run --rm -v "$PWD/data:/data" vaultwatch detect --input /data/in.ndjson --output -
#
# BASE must be Debian bookworm (the package names are bookworm's).
ARG BASE=debian:bookworm-slim

FROM ${BASE} AS build
COPY scripts/setup /src/scripts/setup
RUN /src/scripts/setup --build-only && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY . /src
# RelWithDebInfo (-O2), the configuration the project tests and benchmarks (the release preset);
# the binary is stripped below. Release (-O3) trips GCC 12's false -Wrestrict on std::string
# concatenation (GCC bug 105329) in processors/detectors/ip_set.cc, and warnings are errors.
RUN cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVW_BUILD_BENCH=OFF \
    && cmake --build /build --target vaultwatch \
    && install -D -m 0755 -s /build/apps/vaultwatch /out/usr/local/bin/vaultwatch
# The Debian packages that own the libraries the binary loads: the runtime stage installs these.
RUN set -e; : > /out/runtime-packages; \
    for lib in $(ldd /out/usr/local/bin/vaultwatch | awk '$2 == "=>" && $3 ~ /^\// {print $3}'); do \
      real=$(readlink -f "$lib"); \
      pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$real" 2>/dev/null || dpkg -S "/usr$real" 2>/dev/null); \
      echo "${pkg%%:*}" >> /out/runtime-packages; \
    done; \
    sort -u -o /out/runtime-packages /out/runtime-packages; cat /out/runtime-packages

FROM ${BASE}
COPY --from=build /out/runtime-packages /tmp/runtime-packages
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
         ca-certificates $(cat /tmp/runtime-packages) \
    && apt-get clean && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages \
    && groupadd --system --gid 10001 vaultwatch \
    && useradd --system --uid 10001 --gid vaultwatch --home-dir /var/lib/vaultwatch \
         --no-create-home --shell /usr/sbin/nologin vaultwatch \
    && install -d -o vaultwatch -g vaultwatch -m 0750 /var/lib/vaultwatch
COPY --from=build /out/usr/local/bin/vaultwatch /usr/local/bin/vaultwatch
# Configuration: the repository's configs/ (pipeline.yaml, detect.yaml, sample threat-intel lists)
# as defaults; mount your own over /etc/vaultwatch (Kubernetes: a ConfigMap, see deploy/helm).
COPY configs/ /etc/vaultwatch/configs/
WORKDIR /etc/vaultwatch
VOLUME ["/var/lib/vaultwatch"]
USER 10001:10001
ENV VW_LOG_FORMAT=json
EXPOSE 9464
# /healthz of `vaultwatch run` (metrics.port 9464) with bash's /dev/tcp: no HTTP client needed in
# the image. Commands other than `run` serve no endpoint; their containers report unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9464 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["vaultwatch"]
CMD ["run", "--config", "/etc/vaultwatch/configs/pipeline.yaml", "--state-dir", "/var/lib/vaultwatch"]
