# Small images for the mock and the conformance runner.
#   docker build -t mockdomino .                              (the mock; the default target)
#   docker build --target conformance -t mockdomino-conformance .
# --build-arg VERSION=v1.2.3 sets what --version prints (default: the build's, else devel).
FROM golang:1.26 AS build
ARG VERSION=
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN ldflags="-s -w -X github.com/mockdomino/mockdomino/internal/version.stamped=${VERSION}" \
 && CGO_ENABLED=0 go build -trimpath -ldflags="$ldflags" -o /out/mockdomino ./cmd/mockdomino \
 && CGO_ENABLED=0 go build -trimpath -ldflags="$ldflags" -o /out/conformance ./cmd/conformance

FROM gcr.io/distroless/static-debian12:nonroot AS conformance
COPY --from=build /out/conformance /conformance
ENTRYPOINT ["/conformance"]

FROM gcr.io/distroless/static-debian12:nonroot AS mockdomino
COPY --from=build /out/mockdomino /mockdomino
ENV MOCKDOMINO_LISTEN=0.0.0.0:8080 \
    MOCKDOMINO_PROXY_LISTEN=0.0.0.0:8899
EXPOSE 8080 8899
# distroless has no curl: the binary checks its own health.
HEALTHCHECK --interval=2s --timeout=3s --retries=15 CMD ["/mockdomino", "--health-check", "http://127.0.0.1:8080"]
ENTRYPOINT ["/mockdomino"]
