#!/usr/bin/env bash
# Builds the gateway image from the root Dockerfile with buildah: no Docker daemon, no container
# registry. Both stages of the Dockerfile start from local Debian 12 (bookworm) images that this
# script makes with debootstrap when they are missing:
#   localhost/gateway-build-base:bookworm   OpenJDK 17 JDK + Maven (the build stage)
#   localhost/gateway-base:bookworm         OpenJDK 17 JRE         (the runtime image)
#
# Usage: k8s/image/build.sh [IMAGE]        (default IMAGE: localhost/gateway:dev)
#
# Environment:
#   GATEWAY_IMAGE_BASE        runtime base to use instead of making one (any image with java, groupadd, useradd)
#   GATEWAY_IMAGE_BUILD_BASE  build-stage base to use instead of making one (any image with mvn and a JDK 17)
#   DEBIAN_MIRROR             mirror for debootstrap (default: the bookworm mirror apt uses here)
#   IMAGE_BUILD_TRUSTSTORE  Java trust store mounted (read-only, not copied into any layer) over the
#                             build stage's, so its Maven trusts what this host's Java trusts, e.g. the CA
#                             of a TLS-inspecting proxy (default: /etc/ssl/certs/java/cacerts if present;
#                             empty: none)
#
# Needs root (debootstrap, and buildah's chroot isolation), buildah, podman (to import the base
# filesystems) and debootstrap; as root on Debian it installs them with apt-get when missing.
# Maven in the build stage downloads the gateway's dependencies from Maven Central (kept in a
# buildah cache mount between builds). Where registries are reachable none of this is needed:
#   docker build -t IMAGE .     (the Dockerfile's defaults: maven:3.9-eclipse-temurin-17, eclipse-temurin:17-jre)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
IMAGE="${1:-localhost/gateway:dev}"
BASE="${GATEWAY_IMAGE_BASE:-localhost/gateway-base:bookworm}"
BUILD_BASE="${GATEWAY_IMAGE_BUILD_BASE:-localhost/gateway-build-base:bookworm}"
PATH_ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

ROOTFS=""
trap '[ -z "$ROOTFS" ] || rm -rf "$ROOTFS" "$ROOTFS.log"' EXIT

log() { echo "build.sh: $*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" = "0" ] || die "run as root (debootstrap and buildah --isolation chroot need it)"

tools=()
command -v buildah >/dev/null 2>&1 || tools+=(buildah)
command -v podman >/dev/null 2>&1 || tools+=(podman)
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || tools+=(debootstrap)
if [ ${#tools[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "missing ${tools[*]}: install them (Debian: apt-get install ${tools[*]})"
  log "installing ${tools[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${tools[@]}" >/dev/null
fi

# The bookworm mirror apt uses (deb822 .sources first, then sources.list), else Debian's own.
debian_mirror() {
  local m=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    m="$(awk 'BEGIN { RS = ""; FS = "\n" }
      { uris = ""; ok = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", $i); split($i, u, /[ \t]+/); uris = u[1] }
          if ($i ~ /^Suites:/ && $i ~ /[ \t]bookworm([ \t]|$)/) ok = 1
        }
        if (ok && uris != "") { print uris; exit } }' "$f")"
    [ -n "$m" ] && { echo "$m"; return; }
  done
  if [ -f /etc/apt/sources.list ]; then
    m="$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($(i+1) == "bookworm") { print $i; exit } } }' \
      /etc/apt/sources.list)"
    [ -n "$m" ] && { echo "$m"; return; }
  fi
  echo "http://deb.debian.org/debian"
}

image_exists() { buildah inspect --type image "$1" >/dev/null 2>&1; }

# make_base NAME PACKAGES: a minimal bookworm root filesystem with PACKAGES, imported as image NAME.
make_base() {
  local name="$1" packages="$2" mirror dir start
  mirror="${DEBIAN_MIRROR:-$(debian_mirror)}"
  dir="$(mktemp -d /var/tmp/gateway-rootfs.XXXXXX)"
  ROOTFS="$dir"
  start=$SECONDS
  log "making $name with debootstrap ($packages from $mirror)"
  debootstrap --variant=minbase --include="$packages" bookworm "$dir" "$mirror" >"$dir.log" 2>&1 \
    || { tail -20 "$dir.log" >&2; die "debootstrap failed"; }
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/tmp/*
  tar --numeric-owner -C "$dir" -c . | podman import --change "ENV $PATH_ENV" - "$name" >/dev/null
  rm -rf "$dir" "$dir.log"
  ROOTFS=""
  log "made $name in $((SECONDS - start)) s"
}

if [ -z "${GATEWAY_IMAGE_BASE:-}" ] && ! image_exists "$BASE"; then
  make_base "$BASE" openjdk-17-jre-headless
fi
if [ -z "${GATEWAY_IMAGE_BUILD_BASE:-}" ] && ! image_exists "$BUILD_BASE"; then
  make_base "$BUILD_BASE" openjdk-17-jdk-headless,maven
fi
image_exists "$BASE" || die "base image $BASE not found"
image_exists "$BUILD_BASE" || die "build-stage base image $BUILD_BASE not found"

TRUSTSTORE="${IMAGE_BUILD_TRUSTSTORE-/etc/ssl/certs/java/cacerts}"
volumes=()
if [ -n "$TRUSTSTORE" ] && [ -f "$TRUSTSTORE" ]; then
  volumes+=(--volume "$TRUSTSTORE:/etc/ssl/certs/java/cacerts:ro")
fi

start=$SECONDS
log "building $IMAGE from $ROOT/Dockerfile (BASE=$BASE, BUILD_BASE=$BUILD_BASE)"
buildah bud --isolation chroot --layers "${volumes[@]}" \
  --build-arg "BASE=$BASE" --build-arg "BUILD_BASE=$BUILD_BASE" \
  -f "$ROOT/Dockerfile" -t "$IMAGE" "$ROOT" >&2
log "built $IMAGE in $((SECONDS - start)) s"
echo "$IMAGE"
