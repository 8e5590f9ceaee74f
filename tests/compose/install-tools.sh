#!/usr/bin/env bash
# What the compose test needs on a Debian machine, installed when missing (as root):
# Debian's container engine (docker.io), debootstrap (the locally built base image) and
# Docker Compose v2.15 or newer (v1 rejects `systempaths=unconfined`). Bookworm has only
# Compose v1, so v2 is taken from the next Debian release's docker-compose package,
# unpacked into $COMPOSE_TEST_DIR (nothing installed system-wide). Prints the path of
# the compose program to use.
set -euo pipefail
dir=${COMPOSE_TEST_DIR:?COMPOSE_TEST_DIR is not set}
mkdir -p "$dir"

missing=""
command -v dockerd >/dev/null || missing="$missing docker.io"
command -v debootstrap >/dev/null || missing="$missing debootstrap"
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages:$missing -- run: sudo apt-get install$missing" >&2
    exit 1
  fi
  echo "installing Debian packages:$missing" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# Compose v2.15+ already here (the docker CLI plugin or a standalone docker-compose)?
good_enough() {  # VERSION -> true if >= 2.15
  local major minor
  IFS=. read -r major minor _ <<<"${1#v}"
  [ "${major:-0}" -gt 2 ] || { [ "${major:-0}" -eq 2 ] && [ "${minor:-0}" -ge 15 ]; }
}
for candidate in "$dir/compose/usr/libexec/docker/cli-plugins/docker-compose" \
                 /usr/libexec/docker/cli-plugins/docker-compose \
                 /usr/local/lib/docker/cli-plugins/docker-compose \
                 "$(command -v docker-compose || true)"; do
  [ -n "$candidate" ] && [ -x "$candidate" ] || continue
  version=$("$candidate" version --short 2>/dev/null || true)
  if good_enough "$version"; then
    echo "$candidate"
    exit 0
  fi
done

# The mirror this machine's apt uses for Debian (deb822 or one-line sources).
mirror=$(
  { cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
      2>/dev/null || true; } \
  | sed -n -E 's/^URIs:[[:space:]]*//p; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//p' \
  | awk '{print $1}' | grep -v -- '-security' | grep -E '/debian/?$' | head -n 1 || true
)
if [ -z "$mirror" ]; then
  echo "no Debian mirror found in the apt sources: install Docker Compose 2.15 or newer" >&2
  exit 1
fi
apt_dir="$dir/apt-trixie"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" \
  >"$apt_dir/sources.list"
opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=-"
      -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
      -o "APT::Sandbox::User=root")
echo "fetching Docker Compose v2 (Debian trixie's docker-compose package)" >&2
apt-get "${opts[@]}" update -qq
(cd "$apt_dir" && apt-get "${opts[@]}" download -qq docker-compose)
rm -rf "$dir/compose"
dpkg -x "$apt_dir"/docker-compose_*.deb "$dir/compose"
rm -rf "$apt_dir"
echo "$dir/compose/usr/libexec/docker/cli-plugins/docker-compose"
