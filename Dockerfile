# The image the release publishes (ghcr.io/<owner>/<name>:<tag>) for a Docker step:
# `handoff action` on a slim Debian with git.
# Build locally with: docker build -t handoff .

# The builder is on the same Debian release as the runtime image, so the
# binary's glibc requirements are met.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
# The release workflow passes the tagged commit: `handoff init` pins the action to it.
ARG HANDOFF_RELEASE_COMMIT=""
RUN cargo build --release --locked --bin handoff \
 && strip target/release/handoff

FROM debian:bookworm-slim
# git for the checkout's history; CA certificates for the GitHub API.
# The runner mounts the workspace owned by another user: git must trust it.
# uid 1001 is the runner's user on GitHub-hosted runners, so the step can
# write the SARIF file and the step outputs without running as root.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && git config --system --add safe.directory '*' \
 && useradd --uid 1001 --create-home --shell /usr/sbin/nologin handoff
COPY --from=build /src/target/release/handoff /usr/local/bin/handoff
USER handoff
ENTRYPOINT ["handoff", "action"]
