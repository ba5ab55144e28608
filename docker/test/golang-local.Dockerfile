# A local stand-in for the official golang:<version>-bookworm image, for
# machines that cannot reach a container registry (`make image-test`). It has
# what the official image has: Debian bookworm with curl, git and the other
# tools of buildpack-deps:bookworm-scm, gcc, make and pkg-config, and Go in
# /usr/local/go. The build context is a folder holding:
#   go/   the Go toolchain module golang.org/toolchain@v0.0.1-go<version>.linux-amd64,
#         which is how the go command itself fetches toolchains (GOTOOLCHAIN)
ARG DEBIAN_IMAGE=localhost/debian:bookworm
FROM ${DEBIAN_IMAGE}

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive

# buildpack-deps:bookworm-curl and -scm, then the golang image's own packages.
RUN apt-get update --yes \
 && apt-get install --yes --no-install-recommends \
      ca-certificates curl gnupg netbase wget \
      git mercurial openssh-client subversion procps \
      g++ gcc libc6-dev make pkg-config \
 && apt-get clean && rm -rf /var/lib/apt/lists/*

COPY go /usr/local/go

# As the official image: GOTOOLCHAIN=local, GOPATH=/go.
ARG GOLANG_VERSION
ENV GOLANG_VERSION=${GOLANG_VERSION} \
    GOTOOLCHAIN=local \
    GOPATH=/go
ENV PATH=${GOPATH}/bin:/usr/local/go/bin:${PATH}
RUN mkdir -p "${GOPATH}/src" "${GOPATH}/bin" && chmod -R 1777 "${GOPATH}" && go version
