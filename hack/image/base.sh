#!/usr/bin/env bash
# Builds the image's base file system in OUT: a Java runtime made by jlink from Debian's JDK (only the
# modules in hack/image/modules), the shared libraries it links against from the Debian packages in
# hack/image/debian-packages (fetched with apt-get download), and /etc/passwd, /etc/group and /tmp.
# No shell, no package manager. Run by hack/image.sh here and by the Dockerfile's base stage, so that
# both images hold the same files.
#
#   hack/image/base.sh OUT [DEB_CACHE]
#
# Needs apt-get, dpkg-deb and openjdk-17-jdk-headless (its jlink and jmods) for the build's architecture.
# Records each package's control file in OUT/var/lib/dpkg/status.d/ (as distroless does, so that SBOM
# scanners list them) and prints "package version" lines.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
debs=${2:-$(mktemp -d)}
arch=$(dpkg --print-architecture)
java_home=${JAVA_HOME_FOR_JLINK:-/usr/lib/jvm/java-17-openjdk-$arch}

entries() { sed 's/#.*//; s/[[:space:]]//g; /^$/d' "$1"; }

rm -rf "$out" && mkdir -p "$out" "$debs"

# The Java runtime. --strip-debug and no headers or man pages; no --compress, because the image's layer
# is gzipped anyway and an uncompressed lib/modules starts faster.
modules=$(entries "$here/modules" | paste -sd, -)
"$java_home/bin/jlink" --module-path "$java_home/jmods" --add-modules "$modules" \
  --strip-debug --no-header-files --no-man-pages --output "$out/opt/java/openjdk"

# The Debian libraries: each package's shared objects (not glibc's gconv modules), its copyright file
# and its control file. apt-get download fetches the candidate version, named pkg_version_arch.deb.
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
mkdir -p "$out/var/lib/dpkg/status.d"
for pkg in $(entries "$here/debian-packages"); do
  version=$(apt-cache policy "$pkg:$arch" | awk '$1 == "Candidate:" {print $2}')
  if [[ -z "$version" || "$version" == "(none)" ]]; then
    echo "base: apt knows no version of $pkg:$arch (run apt-get update)" >&2
    exit 1
  fi
  deb="$debs/${pkg}_${version//:/%3a}_$arch.deb"
  [[ -f "$deb" ]] || (cd "$debs" && apt-get download -qq -o APT::Sandbox::User=root "$pkg:$arch=$version")
  rm -rf "${staging:?}/$pkg" && dpkg-deb -x "$deb" "$staging/$pkg"
  # shellcheck disable=SC2046 # split on purpose: the library directories the package has
  (cd "$staging/$pkg" &&
    find $(ls -d lib lib64 usr/lib 2>/dev/null) -path '*/gconv' -prune -o \( -name '*.so' -o -name '*.so.*' \) \
      \( -type f -o -type l \) -print |
    while read -r f; do mkdir -p "$out/$(dirname "$f")" && cp -a "$f" "$out/$f"; done)
  if [[ -f "$staging/$pkg/usr/share/doc/$pkg/copyright" ]]; then
    mkdir -p "$out/usr/share/doc/$pkg"
    cp "$staging/$pkg/usr/share/doc/$pkg/copyright" "$out/usr/share/doc/$pkg/"
  fi
  dpkg-deb -f "$deb" > "$out/var/lib/dpkg/status.d/$pkg"
  echo "$pkg $version"
done
echo "openjdk-17-jdk-headless $(dpkg-query -W -f '${Version}' "openjdk-17-jdk-headless:$arch") (jlink, jmods)"

# A numeric non-root user (65532, as distroless's nonroot) that also has a name, for tools that look it up.
mkdir -p "$out/etc" "$out/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin\n' \
  > "$out/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$out/etc/group"
chmod 1777 "$out/tmp"
